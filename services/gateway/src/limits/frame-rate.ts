import { TokenBucket } from './token-bucket.js';
import type { UserRateSync } from './user-rate.js';

/**
 * The two token buckets every client frame must pass, both refilled at WS_MESSAGE_RATE_PER_SEC up
 * to WS_MESSAGE_BURST: one per connection, and one per user, shared by the user's connections on
 * this gateway and reconciled with the other gateways' (user-rate.ts).
 */
export class FrameRate {
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly users: UserRateSync,
  ) {}

  forConnection(now: number = Date.now()): TokenBucket {
    return new TokenBucket(this.ratePerSec, this.burst, now);
  }

  /** The bucket of a user new on this gateway, starting from what the cluster left them. */
  forUser(userId: string): TokenBucket {
    return this.users.bucketFor(userId);
  }
}
