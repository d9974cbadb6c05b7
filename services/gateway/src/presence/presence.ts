import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import { BUS_BATCH_MAX, type PresenceEvent } from '@parley/protocol';
import type { Hub } from '../ws/hub.js';
import { REPORT_BATCH, sendSpread } from '../reports.js';
import type { Connection } from '../ws/connection.js';

/** Keeps one refresh message well under NATS's 1 MiB max payload whatever the room lists hold. */
const MAX_BATCH_BYTES = 512 * 1024;
const BATCH = Math.min(REPORT_BATCH, BUS_BATCH_MAX);

type RefreshEntry = Extract<PresenceEvent, { kind: 'refresh' }>['connections'][number];

/**
 * Tells presence (queue group: each event handled once) what happens on this gateway: connects,
 * disconnects, joins, leaves, and every `refreshMs` the full list of live connections with their
 * rooms, which extends their expiry by `ttlMs`; a gateway that dies simply stops refreshing.
 * Presence is soft state: a publish that fails is logged and forgotten.
 */
export class PresenceReporter {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly hub: Hub,
    private readonly gatewayId: string,
    private readonly refreshMs: number,
    private readonly ttlMs: number,
  ) {}

  connect(conn: Connection): void {
    this.publish({ kind: 'connect', ...this.fields(conn) });
  }

  disconnect(conn: Connection): void {
    this.publish({ kind: 'disconnect', ...this.fields(conn) });
  }

  join(conn: Connection, roomId: string): void {
    this.publish({ kind: 'join', ...this.fields(conn), room_id: roomId });
  }

  leave(conn: Connection, roomId: string): void {
    this.publish({ kind: 'leave', ...this.fields(conn), room_id: roomId });
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Publishes the live connections in batches of at most 100 entries (and ~512 KiB), spread over
   * up to half the refresh interval (see reports.ts). Every batch carries the time the room lists
   * were read, not the time it is sent: presence keeps the newer of a refresh and a join or leave,
   * so a join made while the batches go out is not undone by a list read before it.
   */
  async refresh(): Promise<void> {
    const at = Date.now();
    const batches: RefreshEntry[][] = [];
    let batch: RefreshEntry[] = [];
    let bytes = 0;
    for (const conn of this.hub.open) {
      if (!conn.isOpen()) continue;
      const entry: RefreshEntry = {
        connection_id: conn.id,
        session_id: conn.sessionId,
        user_id: conn.userId,
        rooms: conn.rooms ? [...conn.rooms.keys()].slice(0, BUS_BATCH_MAX) : [],
      };
      const size = 120 + entry.user_id.length + entry.rooms.reduce((n, r) => n + r.length + 3, 0);
      if (batch.length >= BATCH || bytes + size > MAX_BATCH_BYTES) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(entry);
      bytes += size;
    }
    if (batch.length > 0) batches.push(batch);
    await sendSpread(
      batches.length,
      this.refreshMs,
      () => false,
      (i) => {
        this.publish({ kind: 'refresh', gateway_id: this.gatewayId, connections: batches[i]!, ttl_ms: this.ttlMs, at });
        return true;
      },
    );
  }

  private fields(conn: Connection) {
    return { gateway_id: this.gatewayId, connection_id: conn.id, session_id: conn.sessionId, user_id: conn.userId, at: Date.now() };
  }

  private publish(event: PresenceEvent): void {
    try {
      this.bus.publish(subjects.presenceEvents, event);
    } catch (err) {
      this.logger.warn({ err, kind: event.kind }, 'presence event not published');
    }
  }
}
