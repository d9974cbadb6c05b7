import { connectNats, createNatsBus, silentLogger, subjects } from '@parley/bus';
import { percentile, sleep } from './procs.js';

export interface StoreResult {
  readonly rate: number;
  readonly sent: number;
  readonly stored: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * The persistence floor: `api.message.append` requested straight over the bus (no gateway, no
 * sockets) at `rate`/s for `seconds`, spread over `rooms`, each reply's latency measured. Whatever
 * the gateway adds to send→deliver is on top of this.
 */
export async function measureStore(
  natsUrl: string,
  prefix: string,
  apiUrl: string,
  rooms: readonly string[],
  rate: number,
  seconds: number,
): Promise<StoreResult> {
  const nc = await connectNats({ servers: natsUrl, name: 'bench-store' });
  const bus = createNatsBus(nc, { logger: silentLogger, subjectPrefix: prefix });
  try {
    const sessions = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const response = await fetch(`${apiUrl}/api/sessions/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: `store-${i}` }),
        });
        return (await response.json()) as { session_id: string; user_id: string };
      }),
    );
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const total = Math.round(rate * seconds);
    const started = performance.now();
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1_000) * rate) + 1);
      for (; sent < due; sent++) {
        const session = sessions[sent % sessions.length]!;
        const at = performance.now();
        const request = {
          room_id: rooms[sent % rooms.length]!,
          session_id: session.session_id,
          user_id: session.user_id,
          content: 'store bench',
          client_msg_id: `s${sent}`,
        };
        pending.push(
          bus.request(subjects.api.appendMessage, request, { timeoutMs: 10_000 }).then(
            () => void latencies.push(performance.now() - at),
            () => undefined,
          ),
        );
      }
      await sleep(2);
    }
    await Promise.all(pending);
    const sorted = latencies.sort((a, b) => a - b);
    return { rate, sent: total, stored: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  } finally {
    await bus.drain();
    await nc.drain();
  }
}
