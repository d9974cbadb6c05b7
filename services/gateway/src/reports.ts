/**
 * Periodic reports (statistics, presence refresh) cover every connection at once. Sent as one
 * burst, thousands of entries are validated and encoded here, then validated and written by the
 * receiver, while chat traffic waits behind them: in the gateway benchmark, the statistics of
 * 1,000 sessions flushed every 5 s in one burst were what the slowest 1 % of messages waited for.
 * So a report goes out in small batches, one per turn of the event loop, spread over time.
 */

/** Entries per report message: validating one blocks the event loop (~0.3 ms per 100 entries here). */
export const REPORT_BATCH = 100;

/** Longest pause between two batches of one report. */
const SPREAD_MS = 10;

/**
 * Calls `send(i)` for each of `count` batches in order, `SPREAD_MS` apart, or closer so that the
 * whole report takes at most half of `withinMs` (the next report is due after `withinMs`);
 * `withinMs` 0, or `hurry()` turning true (shutdown), sends the rest back to back, one per turn of
 * the event loop. Stops at the first batch `send` refuses (returns false).
 */
export async function sendSpread(count: number, withinMs: number, hurry: () => boolean, send: (index: number) => boolean): Promise<void> {
  const pauseMs = Math.min(SPREAD_MS, withinMs / 2 / Math.max(1, count));
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((resolve) => (pauseMs >= 1 && !hurry() ? setTimeout(resolve, pauseMs) : setImmediate(resolve)));
    if (!send(i)) return;
  }
}
