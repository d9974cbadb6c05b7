import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { ReadPosition } from '@parley/protocol';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import type { PresenceCounts } from '../rooms/presence-counts.js';
import { advanceReadSeq, readPositions } from './reads.repository.js';

export interface ReadsPolicy {
  /** Receipts are published only in rooms with at most this many users online (above it they are noise). */
  receiptsMaxMembers: number;
}

/** How long a room's online count is trusted for the receipts decision. */
const SIZE_TTL_MS = 5_000;

/**
 * Read positions: moving them (a `mark_read` frame, or REST), and telling the room. Who may is the
 * caller's business (the room must be visible to the user). A position that moved is published
 * on the room's subject as an ephemeral `read` event, unless the room is larger than the policy's
 * limit: the gateways turn it into coalesced `read_receipt` frames.
 */
export class ReadsService {
  private readonly sizes = new Map<string, { online: number; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly presence: PresenceCounts,
    private readonly policy: ReadsPolicy,
    private readonly logger: Logger,
  ) {}

  async markRead(roomId: string, userId: string, seq: number): Promise<ReadPosition> {
    const advanced = await advanceReadSeq(this.db, roomId, userId, seq);
    if (!advanced) throw new ApiError('ROOM_NOT_FOUND', `Room '${roomId}' does not exist`);
    const position = (await readPositions(this.db, userId, [roomId])).get(roomId) ?? { room_id: roomId, read_seq: advanced.readSeq, unread: 0 };
    if (advanced.moved) void this.receipt(roomId, userId, advanced.readSeq);
    return position;
  }

  private async receipt(roomId: string, userId: string, seq: number): Promise<void> {
    try {
      if ((await this.online(roomId)) > this.policy.receiptsMaxMembers) return;
      this.bus.publish(subjects.chatRoom(roomId), { kind: 'read', room_id: roomId, user_id: userId, seq, at: Date.now() });
    } catch (err) {
      // Receipts are soft state: a lost one is replaced by the next.
      this.logger.warn({ err, room_id: roomId }, 'read receipt not published');
    }
  }

  private async online(roomId: string): Promise<number> {
    const now = Date.now();
    const cached = this.sizes.get(roomId);
    if (cached && now - cached.at < SIZE_TTL_MS) return cached.online;
    const online = (await this.presence.counts([roomId]))[roomId] ?? 0;
    if (this.sizes.size > 10_000) this.sizes.clear();
    this.sizes.set(roomId, { online, at: now });
    return online;
  }
}
