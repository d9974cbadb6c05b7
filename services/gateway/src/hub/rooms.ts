import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { RoomEvent } from '@parley/protocol';
import type { GatewayMetrics } from '../health/metrics.js';
import type { Connection } from '../ws/connection.js';

interface RoomEntry {
  readonly members: Set<Connection>;
  readonly subscription: BusSubscription;
}

/**
 * Room → local members, and the room's NATS subscription (interest-based routing): the gateway
 * subscribes to `chat.room.<id>` when the first local connection joins and unsubscribes when the
 * last one leaves, so a gateway hears only rooms it has members in.
 */
export class RoomRegistry {
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
      const subscription = this.bus.subscribe(subjects.chatRoom(roomId), (event) => this.onEvent(roomId, event));
      entry = { members: new Set(), subscription };
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
