import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import { checkWithTimeout, type Logger } from '@parley/observability';
import type { ComponentStatus, InstanceHealth } from '@parley/protocol';
import type { PresenceStore } from '../presence/presence.store.js';
import { overallStatus, PRESENCE_CRITICAL } from './rules.js';

export interface InstanceHealthCheck {
  /** This instance's own dependencies: Redis (degraded without it) and NATS (unhealthy without it). */
  check(): Promise<InstanceHealth>;
}

export function presenceHealth(deps: {
  store: PresenceStore;
  bus: Bus;
  logger: Logger;
  instanceId: string;
  version: string;
  startedAt: number;
  redisTimeoutMs: number;
}): InstanceHealthCheck {
  const { store, bus, logger } = deps;
  return {
    async check() {
      const redis = await checkWithTimeout('redis', () => store.ping(), deps.redisTimeoutMs, {
        onFailure: (f) => logger.debug({ err: f.error, reason: f.reason }, 'redis check failed'),
      });
      const nats: ComponentStatus = bus.isConnected() ? 'healthy' : 'unhealthy';
      const components = { redis, nats };
      return {
        service: 'presence',
        instance_id: deps.instanceId,
        version: deps.version,
        status: overallStatus(components, PRESENCE_CRITICAL),
        uptime_seconds: Math.floor((Date.now() - deps.startedAt) / 1000),
        components,
        metrics: {},
      };
    },
  };
}

/** Answers the stack-wide health probe, like every API and gateway instance. */
export function serveHealthProbe(bus: Bus, health: InstanceHealthCheck): BusSubscription {
  return bus.serve(subjects.healthProbe, () => health.check());
}
