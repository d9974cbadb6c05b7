import type { Bus, WebhookPublisher } from '@parley/bus';
import type { Logger, Metrics } from '@parley/observability';
import type { PresenceConfig } from './config.js';
import type { GatewayCounters } from './health/gateway-counters.js';
import type { PresenceStore } from './presence/presence.store.js';

/** Everything buildApp needs, created (and closed) by main.ts or by a test. */
export interface PresenceDeps {
  /** Redis (`RedisPresenceStore` on a `createRedis` client) or memory (embedded mode); the caller disposes it. */
  store: PresenceStore;
  /** The gateways' processed-message counts behind `/healthz` (Redis or memory, as the store). */
  counters: GatewayCounters;
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
  config: Pick<
    PresenceConfig,
    | 'PRESENCE_TTL_MS'
    | 'PRESENCE_SWEEP_INTERVAL_MS'
    | 'PRESENCE_SWEEP_GRACE_MS'
    | 'PRESENCE_SWEEP_BATCH'
    | 'HEALTH_GATHER_MS'
    | 'HEALTH_REDIS_TIMEOUT_MS'
    | 'HEALTH_POLL_INTERVAL_MS'
    | 'GATEWAY_STATS_RETENTION_MS'
  > &
    Partial<Pick<PresenceConfig, 'PRESENCE_OFFLINE_GRACE_MS'>>;
  /** Publishes user.online / user.offline / room.vacated for webhooks (JetStream); absent (embedded mode): none. */
  webhooks?: WebhookPublisher | undefined;
  instanceId: string;
  version: string;
}
