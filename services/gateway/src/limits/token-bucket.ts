/**
 * A token bucket: `burst` tokens to start with, refilled at `ratePerSec`. One frame costs one
 * token. Two numbers per bucket and no timer, so one per connection costs next to nothing.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number = Date.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Milliseconds until a token is available (0: one is available now). Takes nothing. */
  waitMs(now: number = Date.now()): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1_000) / this.ratePerSec);
  }

  /** Takes a token; call only after {@link waitMs} answered 0. */
  take(): void {
    this.tokens -= 1;
  }

  /**
   * Lowers the content to at most `tokens` as of `now` (never raises it). Below zero is a debt:
   * the bucket refills through it before the next frame passes.
   */
  limitTo(tokens: number, now: number = Date.now()): void {
    this.refill(now);
    if (tokens < this.tokens) this.tokens = tokens;
  }

  private refill(now: number): void {
    const elapsed = now - this.updatedAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSec) / 1_000);
    this.updatedAt = now;
  }
}

/**
 * Takes one token from every bucket, or from none: a frame refused by the per-user bucket must
 * not also drain the connection's. Returns 0 when taken, else how long to wait, in ms.
 */
export function takeAll(buckets: readonly TokenBucket[], now: number = Date.now()): number {
  let wait = 0;
  for (const bucket of buckets) wait = Math.max(wait, bucket.waitMs(now));
  if (wait > 0) return wait;
  for (const bucket of buckets) bucket.take();
  return 0;
}
