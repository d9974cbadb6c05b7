import type { Hub } from '../ws/hub.js';

/**
 * One timer for every socket (not one per socket): each tick pings connections whose interval
 * has passed and closes those that left the last ping unanswered for the pong timeout (4408).
 * Ticks are short (at most 250 ms) so that each sends few pings: with first pings spread over the
 * interval, 1,000 sockets on 25 s get ~10 per tick, where a 1 s tick wrote ~40 at once (3.5 ms).
 */
export function startPingSweep(hub: Hub, pingIntervalMs: number, pongTimeoutMs: number): () => void {
  const tick = Math.min(250, Math.max(10, Math.floor(Math.min(pingIntervalMs, pongTimeoutMs) / 4)));
  const timer = setInterval(() => {
    const now = Date.now();
    for (const conn of hub.all) conn.checkLiveness(now);
  }, tick);
  timer.unref();
  return () => clearInterval(timer);
}
