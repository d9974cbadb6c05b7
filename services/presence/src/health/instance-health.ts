import { checkWithTimeout, type Logger } from '@parley/observability';
import type { InstanceHealth } from '@parley/protocol';
import type { HealthParts } from '@parley/service';
import type { PresenceStore } from '../presence/presence.store.js';

export interface InstanceHealthCheck {
  /** This instance's own dependencies: Redis (degraded without it) and NATS (unhealthy without it). */
  check(): Promise<InstanceHealth>;
}

/** This instance's own dependency besides NATS: the store answers a PING within `redisTimeoutMs`. */
export function presenceHealth({
  store,
  logger,
  redisTimeoutMs,
}: {
  store: PresenceStore;
  logger: Logger;
  redisTimeoutMs: number;
}): () => Promise<HealthParts> {
  return async () => {
    const redis = await checkWithTimeout('redis', () => store.ping(), redisTimeoutMs, {
      onFailure: (f) => logger.debug({ err: f.error, reason: f.reason }, 'redis check failed'),
    });
    return { components: { redis } };
  };
}
