import type { Logger } from '@parley/observability';
import type { Redis } from 'ioredis';
import type { LimitKeys } from './redis-scripts.js';

/** How many connections one refresh script call carries (bounds how long it holds Redis). */
const BATCH = 500;

export type Admission =
  | { readonly ok: true; readonly tokens?: number }
  /** `scope`: whose count was full: this gateway's (decided locally) or the cluster's. */
  | { readonly ok: false; readonly scope: 'gateway' | 'cluster' };

/**
 * The per-user connection cap across the cluster. Each admitted connection is a member of the
 * user's Redis set with an expiry its gateway refreshes; a gateway that crashes stops refreshing,
 * so its connections stop counting within the TTL. This gateway's own count is always checked
 * first (no Redis call when it is already full) and alone while Redis is unreachable or slow:
 * an outage degrades to per-gateway caps, and connections admitted meanwhile are added back to
 * Redis by the next refresh.
 */
export class UserConnections {
  /**
   * Admitted (or being admitted) connections on this gateway: connection id → user. Keyed by the
   * connection's own id string, not its Redis member name, which is built only when sent (one
   * string less per connection).
   */
  private readonly live = new Map<string, string>();
  private readonly localCount = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis | undefined,
    private readonly keys: LimitKeys,
    /** Prefixes members: unique per process start, so a restarted gateway reusing an instance id never merges with its own ghosts. */
    private readonly bootId: string,
    private readonly cap: number,
    private readonly ttlMs: number,
    private readonly rate: { perSec: number; burst: number },
    private readonly logger: Logger,
  ) {}

  /**
   * Counts connection `connId` of `userId`, or refuses it. On success the caller must call
   * {@link release} when the connection ends (also if it ended while this was pending).
   */
  async admit(connId: string, userId: string): Promise<Admission> {
    const count = this.localCount.get(userId) ?? 0;
    if (count >= this.cap) return { ok: false, scope: 'gateway' };
    const member = this.member(connId);
    // Counted locally before the await: parallel handshakes on this gateway cannot overshoot.
    this.live.set(connId, userId);
    this.localCount.set(userId, count + 1);
    if (this.redis?.status !== 'ready') return { ok: true };
    try {
      const [admitted, , tokens] = await this.redis.limitsAdmit(
        this.keys.conns(userId),
        this.keys.rate(userId),
        member,
        this.cap,
        this.ttlMs,
        this.rate.perSec,
        this.rate.burst,
      );
      if (admitted === 1) return { ok: true, tokens: Number(tokens) };
      this.forget(connId);
      return { ok: false, scope: 'cluster' };
    } catch (err) {
      this.logger.debug({ err }, 'limits: could not count a connection in redis; capping per gateway meanwhile');
      return { ok: true };
    }
  }

  /** The connection ended (or was refused after admission). Idempotent. */
  release(connId: string): void {
    const userId = this.forget(connId);
    if (userId === undefined || this.redis?.status !== 'ready') return;
    // On failure the member expires with the TTL: nobody refreshes it any more.
    this.redis.zrem(this.keys.conns(userId), this.member(connId)).catch((err: unknown) => this.logger.debug({ err }, 'limits: could not uncount a connection'));
  }

  start(refreshMs: number): void {
    this.timer = setInterval(() => void this.refresh(), refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Extends every live connection's entry by the TTL (re-adding lost ones). Never throws. */
  async refresh(): Promise<void> {
    if (this.live.size === 0 || this.redis?.status !== 'ready') return;
    const entries = [...this.live];
    try {
      for (let i = 0; i < entries.length; i += BATCH) {
        // Filtered when sent: a connection released meanwhile had its ZREM sent already, and a
        // refresh after it would count it again for a whole TTL.
        const batch = entries.slice(i, i + BATCH).filter(([connId]) => this.live.has(connId));
        if (batch.length === 0) continue;
        await this.redis.limitsRefresh(
          batch.length,
          ...batch.map(([, user]) => this.keys.conns(user)),
          this.ttlMs,
          ...batch.map(([connId]) => this.member(connId)),
        );
      }
    } catch (err) {
      this.logger.debug({ err }, 'limits: could not refresh connection counts');
    }
  }

  /** The connection's name in the user's Redis set. */
  private member(connId: string): string {
    return `${this.bootId}:${connId}`;
  }

  private forget(connId: string): string | undefined {
    const userId = this.live.get(connId);
    if (userId === undefined) return undefined;
    this.live.delete(connId);
    const left = (this.localCount.get(userId) ?? 1) - 1;
    if (left > 0) this.localCount.set(userId, left);
    else this.localCount.delete(userId);
    return userId;
  }
}
