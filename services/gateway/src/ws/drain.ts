import type { GatewayContext } from '../context.js';

const BATCH = 500;

/**
 * Graceful shutdown of every socket: refuse new upgrades (503), send each client the reconnect
 * hint (a jittered `retry_after_ms`, so the fleet does not reconnect in one burst) and close it
 * with 1012, in batches that let the event loop breathe. Waits up to `waitMs` for peers to
 * complete the closing handshake, then destroys what is left.
 */
export async function drainConnections(ctx: GatewayContext, waitMs: number): Promise<void> {
  ctx.draining = true;
  const connections = [...ctx.hub.all];
  ctx.logger.info({ connections: connections.length }, 'draining websocket connections');
  for (let i = 0; i < connections.length; i++) {
    connections[i]?.restart();
    if (i % BATCH === BATCH - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = Date.now() + waitMs;
  while (ctx.hub.all.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const conn of ctx.hub.all) conn.socket.terminate();
}
