import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import { errorData, type ErrorData } from '@parley/protocol';
import type { GatewayMetrics } from '../health/metrics.js';
import type { PresenceReporter } from '../presence/presence.js';
import type { Connection } from '../ws/connection.js';
import { busFailure } from '../ws/errors.js';
import { createFanout, type Fanout } from './fanout.js';
import { RoomStream, type CatchUpOptions } from './room-stream.js';
import { RoomSubscriptions } from './subscriptions.js';

export type JoinOutcome =
  | {
      readonly ok: true;
      readonly stream: RoomStream;
      readonly lastSeq: number;
      readonly fresh: boolean;
      /** The user's read position and unread count (absent from an API before read positions). */
      readonly read?: { readonly read_seq: number; readonly unread: number } | undefined;
    }
  | { readonly ok: false; readonly error: ErrorData };

export interface RoomMembershipOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly presence: PresenceReporter;
  readonly catchUp: CatchUpOptions;
  readonly roomsPerConnection: number;
  /** `user_typing` per room per second delivered to a member (WS_TYPING_ROOM_RATE_PER_SEC). */
  readonly roomTypingPerSec: number;
  readonly apiTimeoutMs: number;
}

/**
 * Which connection is in which room, and everything that follows from it: the room's NATS
 * subscription (held while it has local members), the fan-out of its events to them, each
 * member's {@link RoomStream}, and the presence join and leave events. Client frames, the
 * handshake and the REST follow-ups all join and leave through here.
 */
export class RoomMembership {
  private readonly subscriptions: RoomSubscriptions;
  private readonly fanout: Fanout;

  constructor(private readonly options: RoomMembershipOptions) {
    const { bus, metrics, logger } = options;
    this.subscriptions = new RoomSubscriptions(bus, (roomId, event) => this.fanout(roomId, event), metrics, logger);
    this.fanout = createFanout(this.subscriptions, metrics, logger, options.roomTypingPerSec);
  }

  /**
   * Makes `conn` a member of `roomId`: checks the rooms cap, subscribes the gateway to the room
   * (first local member), then asks the API whether the room exists and may be entered. Order
   * matters: the subscription is live before the room's `last_seq` is read, so nothing committed
   * after that read can be missed. The new stream holds live frames until {@link announce}
   * starts it. Already a member: only the access check runs.
   */
  async join(conn: Connection, roomId: string): Promise<JoinOutcome> {
    const { bus, logger, presence, roomsPerConnection: cap, apiTimeoutMs } = this.options;
    const existing = conn.rooms?.get(roomId);
    if (!existing && (conn.rooms?.size ?? 0) >= cap) {
      const issue = `A connection may be in at most ${cap} rooms; leave one first`;
      return { ok: false, error: errorData('PERMISSION_DENIED', 'Room limit reached', { field: 'room_id', issue, limit: cap }) };
    }
    const stream = existing ?? new RoomStream(roomId, conn, this.options.catchUp);
    if (!existing) {
      (conn.rooms ??= new Map()).set(roomId, stream);
      try {
        await this.subscriptions.add(roomId, conn);
      } catch (err) {
        logger.warn({ err, room_id: roomId }, 'could not subscribe to a room');
        this.drop(conn, roomId);
        return { ok: false, error: busFailure(err, 'Room delivery') };
      }
    }
    try {
      const access = await bus.request(subjects.api.roomAccess, { room_id: roomId, session_id: conn.sessionId }, { timeoutMs: apiTimeoutMs });
      if (!access.allowed) {
        // Also when already in the room: a member removed through a gateway that missed the news.
        if (existing) presence.leave(conn, roomId);
        this.drop(conn, roomId);
        return { ok: false, error: errorData('PERMISSION_DENIED', `You may not enter room '${roomId}'`, { field: 'room_id' }) };
      }
      // Left (or removed) while the answer was on its way: that stands.
      if (conn.rooms?.get(roomId) !== stream) {
        return { ok: false, error: errorData('PERMISSION_DENIED', `You are no longer in room '${roomId}'`, { field: 'room_id' }) };
      }
      if (!existing && conn.isOpen()) presence.join(conn, roomId);
      const read = access.read_seq === undefined || access.unread === undefined ? undefined : { read_seq: access.read_seq, unread: access.unread };
      return { ok: true, stream, lastSeq: access.last_seq, fresh: !existing, read };
    } catch (err) {
      if (!existing) this.drop(conn, roomId);
      return { ok: false, error: busFailure(err, 'The room directory') };
    }
  }

  /** Announces a successful join and starts delivery (replaying from `sinceSeq` when given). */
  announce(conn: Connection, roomId: string, outcome: JoinOutcome & { ok: true }, sinceSeq?: number): void {
    conn.sendFrame('system_message', { action: 'room_joined', room_id: roomId, last_seq: outcome.lastSeq, ...outcome.read });
    if (outcome.fresh || sinceSeq !== undefined) outcome.stream.start(outcome.lastSeq, sinceSeq);
  }

  /** Ends `conn`'s membership of `roomId`; false when it was not a member. */
  leave(conn: Connection, roomId: string): boolean {
    const stream = conn.rooms?.get(roomId);
    if (!stream || !conn.rooms) return false;
    stream.stop();
    conn.rooms.delete(roomId);
    this.subscriptions.remove(roomId, conn);
    this.options.presence.leave(conn, roomId);
    return true;
  }

  /** The socket closed: it stops counting as a member (presence hears of the disconnect as a whole). */
  disconnect(conn: Connection): void {
    if (conn.rooms) for (const roomId of conn.rooms.keys()) this.subscriptions.remove(roomId, conn);
  }

  /** Ends every room subscription (shutdown); resolves when their handlers have returned. */
  close(): Promise<void> {
    this.fanout.close();
    return this.subscriptions.close();
  }

  private drop(conn: Connection, roomId: string): void {
    conn.rooms?.get(roomId)?.stop();
    conn.rooms?.delete(roomId);
    this.subscriptions.remove(roomId, conn);
  }
}
