import { createMemoryBus, subjects } from '@parley/bus';
import { createLogger } from '@parley/observability';
import type { SessionStatsReport } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { Hub } from '../ws/hub.js';
import type { Connection } from '../ws/connection.js';
import { StatsCollector } from './stats.js';

// Pure bookkeeping, so an in-memory bus and plain objects for connections; the reports' way through
// NATS to the API and into Postgres is covered by frames.int.test.ts and the e2e suite.

const session = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function connection(sessionId: string, received: number, lastActivityAt: number): Connection {
  return { sessionId, received, accountedAt: lastActivityAt - 2_000, lastActivityAt, reportedActivityAt: 0, isOpen: () => true } as unknown as Connection;
}

function collector(open: Connection[]) {
  const bus = createMemoryBus();
  const reports: SessionStatsReport[] = [];
  bus.subscribe(subjects.api.statsReport, (report) => void reports.push(report));
  const hub = { open: new Set(open) } as unknown as Hub;
  const stats = new StatsCollector(bus, createLogger({ service: 'test', level: 'silent' }), hub, 'gw-test', 5_000);
  return { stats, reports, bus };
}

describe('StatsCollector', () => {
  it('reports every connection once, at most 100 per message, one entry per session with its connections summed', async () => {
    const at = Date.now() - 10_000;
    // 125 sessions with two connections each (two tabs), side by side.
    const open = Array.from({ length: 250 }, (_, i) => connection(session(i >> 1), i, at + i));
    const { stats, reports } = collector(open);
    await stats.flush(true);
    await expect.poll(() => reports.length).toBe(3);

    expect(reports.map((r) => r.sessions.length)).toEqual([50, 50, 25]);
    const entries = reports.flatMap((r) => r.sessions);
    expect(new Set(entries.map((e) => e.session_id)).size).toBe(125);
    const first = entries.find((e) => e.session_id === session(0))!;
    expect(first).toMatchObject({ messages_received: 0 + 1, last_activity: new Date(at + 1).toISOString() });
    expect(first.connection_seconds).toBeGreaterThanOrEqual(4);
    expect(entries.reduce((n, e) => n + e.messages_received, 0)).toBe((249 * 250) / 2);
    // Counted afresh: nothing is reported twice.
    expect(open.every((c) => c.received === 0)).toBe(true);
  });

  it('keeps a closed connection’s residue for the next report and merges it with the session’s open tab', async () => {
    const at = Date.now();
    const stays = connection(session(1), 3, at);
    const leaves = connection(session(1), 5, at + 10);
    const { stats, reports } = collector([stays]);
    stats.closed(leaves, at + 20);
    await stats.flush();
    await expect.poll(() => reports.length).toBe(1);
    expect(reports[0]!.sessions).toEqual([
      expect.objectContaining({ session_id: session(1), messages_received: 8, last_activity: new Date(at + 10).toISOString() }),
    ]);
  });

  it('at shutdown, finishes a report still going out before the bus closes, so nothing is lost', async () => {
    const { stats, reports, bus } = collector([]);
    const at = Date.now();
    for (let i = 0; i < 250; i++) stats.closed(connection(session(i), 1, at), at);
    const periodic = stats.flush(); // three batches, 10 ms apart
    await stats.flush(true);
    await bus.drain();
    await periodic;
    expect(reports.flatMap((r) => r.sessions)).toHaveLength(250);
  });

  it('keeps what a failed report could not send for the next one', async () => {
    const bus = createMemoryBus();
    const reports: SessionStatsReport[] = [];
    bus.subscribe(subjects.api.statsReport, (report) => void reports.push(report));
    let down = true;
    const flaky = new Proxy(bus, {
      get: (target, key) =>
        key === 'publish'
          ? (...args: Parameters<typeof bus.publish>) => {
              if (down) throw new Error('bus down');
              return target.publish(...args);
            }
          : Reflect.get(target, key),
    });
    const at = Date.now();
    const open = [connection(session(0), 4, at)];
    const stats = new StatsCollector(flaky, createLogger({ service: 'test', level: 'silent' }), { open: new Set(open) } as unknown as Hub, 'gw-test', 5_000);
    for (let i = 1; i <= 150; i++) stats.closed(connection(session(i), 1, at), at);
    await stats.flush(true);
    expect(reports).toHaveLength(0);
    down = false;
    await stats.flush(true);
    await expect.poll(() => reports.flatMap((r) => r.sessions).length).toBe(151);
    expect(reports.flatMap((r) => r.sessions).reduce((n, e) => n + e.messages_received, 0)).toBe(154);
  });
});
