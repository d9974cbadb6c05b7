import WebSocket from 'ws';
import { rssBytes, sleep } from './procs.js';

export interface IdleResult {
  readonly connections: number;
  readonly baselineMiB: number;
  readonly loadedMiB: number;
  readonly perConnectionKiB: number;
  readonly connectSeconds: number;
}

const BATCH = 250;

/** Opens one socket and resolves once the server's first frame (the welcome) has arrived. */
function openOne(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
    // Closed by the server before any frame (e.g. its handshake timed out): fail, never hang.
    ws.once('close', (code) => reject(new Error(`socket closed (${code}) before its first frame`)));
  });
}

/**
 * Idle connections held by the process `pid`: its RSS after a warm-up round (so JIT and pools
 * are already paid for), then with `count` open and welcomed sockets, settled for a few seconds.
 * The per-connection figure is the RSS delta divided by `count`.
 */
export async function measureIdle(pid: number, url: string, count: number): Promise<IdleResult> {
  const warm = await Promise.all(Array.from({ length: 200 }, () => openOne(url)));
  for (const ws of warm) ws.close();
  await sleep(2_000);
  const baseline = rssBytes(pid);

  const sockets: WebSocket[] = [];
  const started = performance.now();
  while (sockets.length < count) {
    const n = Math.min(BATCH, count - sockets.length);
    sockets.push(...(await Promise.all(Array.from({ length: n }, () => openOne(url)))));
  }
  const connectSeconds = (performance.now() - started) / 1_000;
  await sleep(5_000);
  const loaded = rssBytes(pid);

  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
  return {
    connections: count,
    baselineMiB: baseline / 1_048_576,
    loadedMiB: loaded / 1_048_576,
    perConnectionKiB: (loaded - baseline) / 1_024 / count,
    connectSeconds,
  };
}
