import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { RoomEvent } from '@parley/protocol';
import type { GatewayMetrics } from '../health/metrics.js';
import type { Connection } from '../ws/connection.js';

interface RoomEntry {
  readonly members: Set<Connection>;
  readonly subscription: BusSubscription;
  /** Highest message seq heard on the room's subject since this gateway subscribed. */
  highestSeq: number | undefined;
}

/**
 * Room → local members, and the room's NATS subscription (interest-based routing): the gateway
 * subscribes to `chat.room.<id>` when the first local connection joins and unsubscribes when the
 * last one leaves, so a gateway hears only rooms it has members in.
 */
export class RoomSubscriptions {
  private readonly rooms = new Map<string, RoomEntry>();

  constructor(
    private readonly bus: Bus,
    private readonly onEvent: (roomId: string, event: RoomEvent) => void,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds `conn` to the room's members; resolves once the subscription is known to the broker, so
   * every event published afterwards reaches this gateway. Throws if the bus is closed.
   */
  add(roomId: string, conn: Connection): Promise<void> {
    let entry = this.rooms.get(roomId);
    if (!entry) {
      const subscription = this.bus.subscribe(subjects.chatRoom(roomId), (event) => this.heard(roomId, event));
      entry = { members: new Set(), subscription, highestSeq: undefined };
      this.rooms.set(roomId, entry);
      this.metrics.roomSubscriptions.inc();
      this.logger.debug({ room_id: roomId }, 'subscribed to room');
    }
    entry.members.add(conn);
    return entry.subscription.ready;
  }

  /** Removes `conn`; the last member leaving ends the subscription. Idempotent. */
  remove(roomId: string, conn: Connection): void {
    const entry = this.rooms.get(roomId);
    if (!entry || !entry.members.delete(conn) || entry.members.size > 0) return;
    this.rooms.delete(roomId);
    entry.subscription.unsubscribe();
    this.metrics.roomSubscriptions.dec();
    this.logger.debug({ room_id: roomId }, 'unsubscribed from room');
  }

  private heard(roomId: string, event: RoomEvent): void {
    const entry = event.kind === 'message' ? this.rooms.get(roomId) : undefined;
    if (entry && event.kind === 'message') this.observeOrder(entry, event.message.seq);
    this.onEvent(roomId, event);
  }

  /**
   * Counted once per room event per gateway, not per member: a seq beyond the next one opens a hole
   * that every local member holds for CATCHUP_HOLE_GRACE_MS (then reads from history); a seq below
   * the highest arrived late (two api instances publishing one room's commits out of order).
   */
  private observeOrder(entry: RoomEntry, seq: number): void {
    const highest = entry.highestSeq;
    if (highest !== undefined && seq > highest + 1) this.metrics.liveHoles.inc();
    if (highest !== undefined && seq < highest) this.metrics.lateMessages.inc();
    if (highest === undefined || seq > highest) entry.highestSeq = seq;
  }

  members(roomId: string): ReadonlySet<Connection> | undefined {
    return this.rooms.get(roomId)?.members;
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Ends every subscription (shutdown); resolves when their handlers have returned. */
  async close(): Promise<void> {
    const entries = [...this.rooms.values()];
    this.rooms.clear();
    for (const entry of entries) entry.subscription.unsubscribe();
    await Promise.all(entries.map((entry) => entry.subscription.closed));
  }
}
