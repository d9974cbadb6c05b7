import type { Logger } from '@parley/observability';
import { Redis } from 'ioredis';

/**
 * Fail fast, never hang (research: reliability-security §6): no offline queue, so a command while
 * disconnected rejects at once instead of waiting for a reconnect; one retry; 1 s per command;
 * 2 s to connect. ioredis keeps reconnecting in the background (its default backoff, ≤ 2 s).
 */
export const REDIS_OPTIONS = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1_000,
  connectTimeout: 2_000,
});

export interface RedisClientOptions {
  /** What degrades while Redis is away, for the outage log line ("presence", "limits are per process"). */
  readonly degraded?: string;
  /** Overrides {@link REDIS_OPTIONS}' 1 s per command (a handshake waits on it). */
  readonly commandTimeoutMs?: number;
}

/**
 * A Redis client with the fail-fast options. The caller owns it and closes it (`closeRedis`).
 * Connection errors are logged once per outage, not once per reconnect attempt.
 */
export function createRedis(url: string, logger: Logger, { degraded = 'its users are degraded', commandTimeoutMs }: RedisClientOptions = {}): Redis {
  const redis = new Redis(url, { ...REDIS_OPTIONS, ...(commandTimeoutMs === undefined ? {} : { commandTimeout: commandTimeoutMs }) });
  let down = false;
  redis.on('ready', () => {
    if (down) logger.info('redis: connection restored');
    down = false;
  });
  redis.on('error', (err: Error) => {
    if (!down) logger.warn({ err }, `redis: connection failed; ${degraded} until it returns`);
    else logger.debug({ err }, 'redis: still unreachable');
    down = true;
  });
  redis.on('close', () => {
    if (!down) logger.warn('redis: connection closed; reconnecting');
    down = true;
  });
  return redis;
}

/** Resolves true once `redis` is ready, false after `timeoutMs` (it keeps trying in the background). */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise<boolean>((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}

/** Closes politely (QUIT) when connected, at once otherwise; never throws. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
