import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import { BUS_BATCH_MAX, type SessionStatsReport } from '@parley/protocol';
import type { Hub } from '../hub/hub.js';
import type { Connection } from '../ws/connection.js';

type Entry = SessionStatsReport['sessions'][number];

/**
 * Sessions per report: well under BUS_BATCH_MAX, because validating and encoding a batch blocks
 * the event loop (~3 ms per 1,000 entries here), and delivery waits meanwhile.
 */
const BATCH = Math.min(250, BUS_BATCH_MAX);

/** An idle connection's time is reported at least this often (otherwise only with other changes). */
const IDLE_REPORT_MS = 60_000;

/**
 * Per-session statistics, counted in memory and sent to the API in batches (never a write per
 * message): `messages_received` (chat messages delivered to the session's sockets, live or
 * replayed), `connection_seconds` and `last_activity` (the latest client frame). `messages_sent`
 * is counted by the API itself when it stores a message, so it is always 0 here.
 * Reports carry increments since the previous report, at most 250 sessions each.
 */
export class StatsCollector {
  /** Residue of connections closed since the last report. */
  private pending = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly hub: Hub,
    private readonly gatewayId: string,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A connection ended: keep what it has not reported yet for the next report. */
  closed(conn: Connection, now = Date.now()): void {
    this.account(this.pending, conn, now);
  }

  /**
   * Publishes everything not yet reported; `all` also reports idle connections' time (shutdown).
   * Each batch is validated and encoded on its own turn of the event loop, so 10,000 sessions never
   * stall delivery for more than one batch's worth.
   */
  async flush(all = false): Promise<void> {
    const now = Date.now();
    const sessions = this.pending;
    this.pending = new Map();
    for (const conn of this.hub.open) {
      if (!conn.isOpen()) continue;
      const active = conn.received > 0 || conn.lastActivityAt > conn.reportedActivityAt;
      if (all || active || now - conn.accountedAt >= IDLE_REPORT_MS) this.account(sessions, conn, now);
    }
    const entries = [...sessions.values()];
    for (let i = 0; i < entries.length; i += BATCH) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      try {
        this.bus.publish(subjects.api.statsReport, { gateway_id: this.gatewayId, sessions: entries.slice(i, i + BATCH) });
      } catch (err) {
        this.logger.warn({ err, sessions: entries.length }, 'statistics report not published');
        return;
      }
    }
  }

  private account(into: Map<string, Entry>, conn: Connection, now: number): void {
    const seconds = Math.max(0, now - conn.accountedAt) / 1_000;
    const entry = into.get(conn.sessionId) ?? {
      session_id: conn.sessionId,
      messages_sent: 0,
      messages_received: 0,
      connection_seconds: 0,
      last_activity: new Date(conn.lastActivityAt).toISOString(),
    };
    entry.messages_received += conn.received;
    entry.connection_seconds += seconds;
    if (conn.lastActivityAt > Date.parse(entry.last_activity)) entry.last_activity = new Date(conn.lastActivityAt).toISOString();
    into.set(conn.sessionId, entry);
    conn.received = 0;
    conn.accountedAt = now;
    conn.reportedActivityAt = conn.lastActivityAt;
  }
}
