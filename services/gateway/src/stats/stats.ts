import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import { BUS_BATCH_MAX, type SessionStatsReport } from '@parley/protocol';
import type { Hub } from '../ws/hub.js';
import { REPORT_BATCH, sendSpread } from '../reports.js';
import type { Connection } from '../ws/connection.js';

type Entry = SessionStatsReport['sessions'][number];

const BATCH = Math.min(REPORT_BATCH, BUS_BATCH_MAX);

/** An idle connection's time is reported at least this often (otherwise only with other changes). */
const IDLE_REPORT_MS = 60_000;

/**
 * Per-session statistics, counted in memory and sent to the API in batches (never a write per
 * message): `messages_received` (chat messages delivered to the session's sockets, live or
 * replayed), `connection_seconds` and `last_activity` (the latest client frame). Messages sent
 * are not counted here: the API counts a session's stored messages.
 * Reports carry increments since the previous report, at most 100 sessions each, spread over time
 * (see reports.ts).
 */
export class StatsCollector {
  /** Residue of connections closed since the last report. */
  private pending = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  /** The periodic report still going out, if any. */
  private reporting: Promise<void> | undefined;
  /** Shutting down: a report still going out sends its remaining batches without pauses. */
  private hurry = false;

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
   * also reports idle connections' time, with no pause between batches (shutdown). Connections
   * are accounted batch by batch, right before their batch goes out, so the work of a report is
   * spread with its messages. A connection that closes meanwhile is skipped here: `closed` has
   * kept its residue for the next report.
   */
  async flush(all = false): Promise<void> {
    if (all) {
      this.hurry = true;
      await this.reporting;
      return this.report(true);
    }
    // One periodic report at a time: the next tick finds this one done (it takes at most half the interval).
    this.reporting ??= this.report(false).finally(() => (this.reporting = undefined));
    return this.reporting;
  }

  private async report(all: boolean): Promise<void> {
    const residue = [...this.pending.values()];
    this.pending = new Map();
    const open = [...this.hub.open];
    const total = residue.length + open.length;
    let next = 0;
    await sendSpread(
      Math.ceil(total / BATCH),
      all ? 0 : this.intervalMs,
      () => this.hurry,
      () => {
        const now = Date.now();
        const sessions = new Map<string, Entry>();
        for (const end = Math.min(total, next + BATCH); next < end; next++) {
          if (next < residue.length) {
            merge(sessions, residue[next]!);
            continue;
          }
          const conn = open[next - residue.length]!;
          if (!conn.isOpen()) continue;
          const active = conn.received > 0 || conn.lastActivityAt > conn.reportedActivityAt;
          if (all || active || now - conn.accountedAt >= IDLE_REPORT_MS) this.account(sessions, conn, now);
        }
        if (sessions.size === 0) return true;
        try {
          this.bus.publish(subjects.api.statsReport, { gateway_id: this.gatewayId, sessions: [...sessions.values()] });
          return true;
        } catch (err) {
          this.logger.warn({ err, sessions: sessions.size }, 'statistics report not published; kept for the next one');
          // This batch and the residue not reached yet wait for the next report; connections not
          // reached yet still hold their own counts.
          for (const entry of sessions.values()) merge(this.pending, entry);
          for (; next < residue.length; next++) merge(this.pending, residue[next]!);
          return false;
        }
      },
    );
  }

  /** Adds what `conn` has not reported yet to `into`, and starts counting afresh. */
  private account(into: Map<string, Entry>, conn: Connection, now: number): void {
    merge(into, {
      session_id: conn.sessionId,
      messages_received: conn.received,
      connection_seconds: Math.max(0, now - conn.accountedAt) / 1_000,
      last_activity: new Date(conn.lastActivityAt).toISOString(),
    });
    conn.received = 0;
    conn.accountedAt = now;
    conn.reportedActivityAt = conn.lastActivityAt;
  }
}

/**
 * One entry per session in a report: the API applies a report with one UPDATE … FROM, which
 * would apply only one of two rows for the same session.
 */
function merge(into: Map<string, Entry>, entry: Entry): void {
  const existing = into.get(entry.session_id);
  if (!existing) {
    into.set(entry.session_id, { ...entry });
    return;
  }
  existing.messages_received += entry.messages_received;
  existing.connection_seconds += entry.connection_seconds;
  // ISO 8601 UTC timestamps of one format compare as strings.
  if (entry.last_activity > existing.last_activity) existing.last_activity = entry.last_activity;
}
