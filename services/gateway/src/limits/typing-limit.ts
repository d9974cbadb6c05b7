import { TYPING } from '@parley/protocol';
import type { GatewayMetrics } from '../health/metrics.js';
import type { Connection } from '../ws/connection.js';
import { Pacer } from './pacer.js';
import { TokenBucket } from './token-bucket.js';

/** Typing frames refused by the typing bucket that count as one rate-limit strike (WS_RATE_LIMIT_STRIKES). */
export const TYPING_REFUSALS_PER_STRIKE = 100;

/**
 * What a `typing` frame must pass before it is published, none of which costs a chat token:
 * the connection's own typing bucket (WS_TYPING_RATE_PER_SEC / WS_TYPING_BURST), then at most one
 * per user and room per TYPING.interval_ms from this gateway. A refused frame is dropped
 * silently (counted, never an error, never a strike): typing is a hint, and a client that repeats
 * it too often loses nothing it needs.
 */
export class TypingLimit {
  private readonly pacer = new Pacer(TYPING.interval_ms);

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly metrics: Pick<GatewayMetrics, 'ephemeralDropped'>,
  ) {}

  admit(conn: Connection, roomId: string, now: number): boolean {
    const bucket = (conn.typingBucket ??= new TokenBucket(this.ratePerSec, this.burst, now));
    if (bucket.waitMs(now) > 0) {
      this.metrics.ephemeralDropped.inc({ type: 'typing', reason: 'rate' });
      // Dropped silently, but not free: a client far past its typing bucket is flooding, and is
      // closed (4429) like any other, only TYPING_REFUSALS_PER_STRIKE times later.
      if (++conn.typingRefused % TYPING_REFUSALS_PER_STRIKE === 0) conn.strike(now);
      return false;
    }
    bucket.take();
    if (!this.pacer.admit(`${roomId} ${conn.userId}`, now)) {
      this.metrics.ephemeralDropped.inc({ type: 'typing', reason: 'paced' });
      return false;
    }
    return true;
  }
}
