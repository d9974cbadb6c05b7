import type { Logger } from '@parley/observability';
import type { Redis } from 'ioredis';
import type { LimitKeys } from './redis-scripts.js';
import { TokenBucket } from './token-bucket.js';

/**
 * A user's bucket on this gateway that also counts what it spends, for {@link UserRateSync} to
 * report. Taking a token stays a local operation (two numbers and a Set insert): no frame waits
 * on Redis.
 */
export class SharedTokenBucket extends TokenBucket {
  /** Tokens taken since the last report. */
  spent = 0;

  constructor(
    readonly userId: string,
    ratePerSec: number,
    burst: number,
    private readonly dirty: Set<SharedTokenBucket>,
    now: number = Date.now(),
  ) {
    super(ratePerSec, burst, now);
  }

  override take(): void {
    super.take();
    this.spent++;
    this.dirty.add(this);
  }
}

/** How many users one script call reports (bounds how long it holds Redis). */
const BATCH = 500;

/**
 * The per-user message rate across the cluster: one token bucket per user in Redis, fed by every
 * gateway. Each gateway decides every frame on its local bucket, and every `syncMs` adds what its
 * users spent to their Redis buckets and lowers each local bucket to what is left there. So a user
 * spread over N gateways gets the configured rate on average, and a burst can overshoot by what
 * the other gateways let through before their next sync: at most (N − 1) × (burst + rate × sync
 * interval) frames, charged to the shared bucket as a debt that later frames wait out.
 * Without Redis each local bucket still holds (per-gateway limits); spends made then are not
 * reported afterwards (they were limited already).
 */
export class UserRateSync {
  private readonly dirty = new Set<SharedTokenBucket>();
  /** The Redis bucket content seen at a connection's admission, to start a new local bucket from. */
  private readonly seeds = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;

  constructor(
    private readonly redis: Redis | undefined,
    private readonly keys: LimitKeys,
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly logger: Logger,
  ) {}

  /** The local bucket for a user new on this gateway, starting from what the cluster left them. */
  bucketFor(userId: string): SharedTokenBucket {
    const now = Date.now();
    const bucket = new SharedTokenBucket(userId, this.ratePerSec, this.burst, this.dirty, now);
    const seed = this.seeds.get(userId);
    this.seeds.delete(userId);
    if (seed !== undefined) bucket.limitTo(seed, now);
    // Reported (with nothing spent) at the next sync, so a bucket created without a seed is
    // lowered to the cluster's view within one interval.
    else this.dirty.add(bucket);
    return bucket;
  }

  /** What Redis said the user's bucket holds, for {@link bucketFor}; forgotten at the next sync. */
  seed(userId: string, tokens: number): void {
    if (Number.isFinite(tokens)) this.seeds.set(userId, tokens);
  }

  start(syncMs: number): void {
    this.timer = setInterval(() => void this.sync(), syncMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reports every user that spent since the last sync and lowers their local buckets. Never throws. */
  async sync(): Promise<void> {
    this.seeds.clear();
    if (this.syncing || this.dirty.size === 0) return;
    const redis = this.redis;
    if (redis?.status !== 'ready') {
      // Per-gateway mode: nothing to report to; the local buckets alone limit.
      for (const bucket of this.dirty) bucket.spent = 0;
      this.dirty.clear();
      return;
    }
    this.syncing = true;
    const buckets = [...this.dirty];
    this.dirty.clear();
    try {
      for (let i = 0; i < buckets.length; i += BATCH) await this.report(redis, buckets.slice(i, i + BATCH));
    } catch (err) {
      this.logger.debug({ err }, 'limits: could not share message rates; limiting per gateway meanwhile');
    } finally {
      this.syncing = false;
    }
  }

  private async report(redis: Redis, batch: SharedTokenBucket[]): Promise<void> {
    const spent = batch.map((b) => b.spent);
    for (const bucket of batch) bucket.spent = 0;
    const left = await redis.limitsSpend(batch.length, ...batch.map((b) => this.keys.rate(b.userId)), this.ratePerSec, this.burst, ...spent);
    const now = Date.now();
    // Frames taken while the script ran are not in its answer: they are next sync's spend.
    batch.forEach((bucket, i) => bucket.limitTo(Number(left[i]) - bucket.spent, now));
  }
}
