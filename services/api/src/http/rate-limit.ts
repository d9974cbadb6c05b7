import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { TokenVerifier } from '@parley/auth';
import type { Logger } from '@parley/observability';
import type { Redis } from '@parley/redis';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Result } from 'ioredis';
import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import { ApiError } from './api-error.js';

export interface RestRateLimitOptions {
  /** Counts shared by every api instance; absent or unreachable: each instance counts alone. */
  redis?: Redis | undefined;
  verifier: TokenVerifier | undefined;
  logger: Logger;
  registry: Registry;
  /** Every key is `<prefix>:<user:sub | ip:address>`. */
  prefix: string;
  windowMs: number;
  ipMax: number;
  userMax: number;
  /** Requests per window of one server-API key. */
  keyMax: number;
}

/** The limits as onRequest hooks, for the scopes they apply to (each after whatever sets its key). */
export interface RestLimits {
  /** By the verified Bearer JWT's `sub`, else by client address: before the caller is resolved. */
  perCaller: onRequestHookHandler;
  /** By server-API key id: after the key authenticated (`request.apiKey`). */
  perKey: onRequestHookHandler;
}

/**
 * Fixed-window counters (what @fastify/rate-limit's own Redis store does), in Redis while it
 * answers and in this process's memory while it does not: an outage loosens the limit to
 * per-instance, never lifts it and never fails a request. ioredis fails fast (no offline queue),
 * so the switch costs no wait.
 */
const FIXED_WINDOW = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    restRateLimit(key: string, windowMs: number): Result<[number, number], Context>;
  }
}

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1];

class FallbackStore implements FastifyRateLimitStore {
  private readonly local = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly redis: Redis | undefined,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    redis?.defineCommand('restRateLimit', { numberOfKeys: 1, lua: FIXED_WINDOW });
  }

  incr(key: string, callback: IncrCallback, timeWindow: number): void {
    const redis = this.redis;
    if (redis?.status !== 'ready') return callback(null, this.incrLocal(key, timeWindow));
    redis.restRateLimit(`${this.prefix}:${key}`, timeWindow).then(
      ([current, ttl]) => callback(null, { current, ttl }),
      (err: unknown) => {
        this.logger.debug({ err }, 'rate limit: redis failed; counting in this instance');
        callback(null, this.incrLocal(key, timeWindow));
      },
    );
  }

  child(): FastifyRateLimitStore {
    return this;
  }

  private incrLocal(key: string, timeWindow: number): { current: number; ttl: number } {
    const now = Date.now();
    let entry = this.local.get(key);
    if (!entry || entry.resetAt <= now) {
      // Expired windows are dropped when the map grows, so an outage with many clients stays bounded.
      if (this.local.size >= 10_000) for (const [k, e] of this.local) if (e.resetAt <= now) this.local.delete(k);
      entry = { count: 0, resetAt: now + timeWindow };
      this.local.set(key, entry);
    }
    entry.count++;
    return { current: entry.count, ttl: entry.resetAt - now };
  }
}

/** The rate-limit key: the verified Bearer token's `sub` when there is one, else the client address. */
async function rateLimitKey(verifier: TokenVerifier | undefined, request: FastifyRequest): Promise<string> {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (match?.[1] && verifier) {
    const verified = await verifier.verify(match[1]);
    if (verified.ok) return `user:${verified.claims.sub}`;
  }
  // request.ip is the X-Forwarded-For client only when the peer is in TRUSTED_PROXIES.
  return `ip:${request.ip}`;
}

/**
 * Registers the limits in `scope` and returns them as hooks: `perCaller` goes before the caller
 * hook (a flood is refused before it costs a token check against the database or a 401),
 * `perKey` after the API-key check. Over the limit: 429 with `Retry-After` (seconds) and the
 * seed's error body with `details.retry_after_ms`.
 */
export async function registerRestRateLimit(scope: FastifyInstance, options: RestRateLimitOptions): Promise<RestLimits> {
  const store = new FallbackStore(options.redis, options.prefix, options.logger);
  const limited = new Counter({
    name: 'parley_api_rate_limited_total',
    help: 'REST requests refused by the rate limit',
    labelNames: ['by'],
    registers: [options.registry],
  });
  await scope.register(rateLimit, {
    // Applied by the hook below, not per route: it must run before the caller hook.
    global: false,
    timeWindow: options.windowMs,
    max: (_request, key) => (key.startsWith('user:') ? options.userMax : options.ipMax),
    keyGenerator: (request) => rateLimitKey(options.verifier, request),
    store: function Store() {
      return store;
    } as unknown as new () => FastifyRateLimitStore,
    onExceeded: (_request, key) => limited.inc({ by: key.slice(0, key.indexOf(':')) }),
    errorResponseBuilder: (_request, context) =>
      new ApiError('RATE_LIMIT_EXCEEDED', `Too many requests; retry in ${context.after}`, { retry_after_ms: Math.max(0, context.ttl) }),
  });
  return {
    perCaller: scope.rateLimit(),
    perKey: scope.rateLimit({ max: options.keyMax, keyGenerator: (request) => `key:${request.apiKey?.key_id ?? ''}` }),
  };
}
