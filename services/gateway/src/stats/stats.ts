import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import { BUS_BATCH_MAX, type SessionStatsReport } from '@parley/protocol';
import type { Hub } from '../hub/hub.js';
import { REPORT_BATCH, sendSpread } from '../reports.js';
import type { Connection } from '../ws/connection.js';

type Entry = SessionStatsReport['sessions'][number];

const BATCH = Math.min(REPORT_BATCH, BUS_BATCH_MAX);

/** An idle connection's time is reported at least this often (otherwise only with other changes). */
const IDLE_REPORT_MS = 60_000;

/**
 * Per-session statistics, counted in memory and sent to the API in batches (never a write per
 * message): `messages_received` (chat messages delivered to the session's sockets, live or
 * replayed), `messages_sent` (messages the API stored for the session, retries not counted),
 * `connection_seconds` and `last_activity` (the latest client frame).
 * Reports carry increments since the previous report, at most 100 sessions each, spread over time
 * (see reports.ts).
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
   * Publishes everything not yet reported, in batches spread over up to half the interval; `all`
   * also reports idle connections' time, with no pause between batches (shutdown).
   */
  async flush(all = false): Promise<void> {
    const now = Date.now();
    const sessions = this.pending;
    this.pending = new Map();
    for (const conn of this.hub.open) {
      if (!conn.isOpen()) continue;
      const active = conn.received > 0 || conn.sent > 0 || conn.lastActivityAt > conn.reportedActivityAt;
      if (all || active || now - conn.accountedAt >= IDLE_REPORT_MS) this.account(sessions, conn, now);
    }
    const entries = [...sessions.values()];
    const batches = Array.from({ length: Math.ceil(entries.length / BATCH) }, (_, i) => entries.slice(i * BATCH, (i + 1) * BATCH));
    await sendSpread(batches, all ? 0 : this.intervalMs, (batch) => {
      try {
        this.bus.publish(subjects.api.statsReport, { gateway_id: this.gatewayId, sessions: batch });
        return true;
      } catch (err) {
        this.logger.warn({ err, sessions: entries.length }, 'statistics report not published');
        return false;
      }
    });
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
    entry.messages_sent += conn.sent;
    entry.messages_received += conn.received;
    entry.connection_seconds += seconds;
    if (conn.lastActivityAt > Date.parse(entry.last_activity)) entry.last_activity = new Date(conn.lastActivityAt).toISOString();
    into.set(conn.sessionId, entry);
    conn.received = 0;
    conn.sent = 0;
    conn.accountedAt = now;
    conn.reportedActivityAt = conn.lastActivityAt;
  }
}
