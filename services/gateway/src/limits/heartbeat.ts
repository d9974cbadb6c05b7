import type { Hub } from '../hub/hub.js';

/**
 * One timer for every socket (not one per socket): each tick pings connections whose interval
 * has passed and closes those that left the last ping unanswered for the pong timeout (4408).
 */
export function startPingSweep(hub: Hub, pingIntervalMs: number, pongTimeoutMs: number): () => void {
  const tick = Math.min(1_000, Math.max(10, Math.floor(Math.min(pingIntervalMs, pongTimeoutMs) / 4)));
  const timer = setInterval(() => {
    const now = Date.now();
    for (const conn of hub.all) conn.checkLiveness(now);
  }, tick);
  timer.unref();
  return () => clearInterval(timer);
}
