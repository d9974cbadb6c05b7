import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, createNatsBus, webhookJetStream, WebhookPublisher, webhookStreams, type Bus } from '@parley/bus';
import { createLogger, createMetrics } from '@parley/observability';
import { serviceUrl, uniqueId } from '@parley/testing';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from '../src/app.js';
import type { PresenceDeps } from '../src/deps.js';
import { closeRedis, createRedis, waitForRedis } from '@parley/redis';
import { presenceKeys, type PresenceKeys } from '../src/redis/keys.js';
import { RedisPresenceStore } from '../src/redis/redis.store.js';
import { defineScripts } from '../src/redis/scripts.js';
import { storeOptions } from '../src/presence/presence.store.js';
import { gatewayCountersOptions } from '../src/health/gateway-counters.js';
import { RedisGatewayCounters } from '../src/redis/redis.gateway-counters.js';

/** Short timings so expiry and health transitions happen within a test. */
export const TEST_CONFIG: PresenceDeps['config'] = {
  PRESENCE_TTL_MS: 1_500,
  PRESENCE_SWEEP_INTERVAL_MS: 100,
  PRESENCE_SWEEP_GRACE_MS: 0,
  PRESENCE_SWEEP_BATCH: 500,
  HEALTH_GATHER_MS: 250,
  HEALTH_REDIS_TIMEOUT_MS: 300,
  HEALTH_POLL_INTERVAL_MS: 0,
  GATEWAY_STATS_RETENTION_MS: 7 * 86_400_000,
};

/** One deployment's isolation: a NATS subject prefix and a Redis key prefix. */
export interface Deployment {
  subjectPrefix: string;
  keyPrefix: string;
}

export function newDeployment(): Deployment {
  return { subjectPrefix: uniqueId('pres'), keyPrefix: `test:${uniqueId('pres')}` };
}

export interface TestPresence {
  app: FastifyInstance;
  url: string;
  redis: Redis;
  bus: Bus;
  instanceId: string;
  close(): Promise<void>;
}

/** A real presence instance: real Redis (direct or through `redisUrl`), real NATS, HTTP on port 0. */
export async function startPresence(
  deployment: Deployment,
  options: { redisUrl?: string; config?: Partial<PresenceDeps['config']>; webhooks?: boolean } = {},
): Promise<TestPresence> {
  const logger = createLogger({ service: 'presence', level: 'silent' });
  const nc = await connectNats({ servers: serviceUrl('nats'), name: 'presence-test' });
  const bus = createNatsBus(nc, { logger, subjectPrefix: deployment.subjectPrefix });
  const redis = createRedis(options.redisUrl ?? serviceUrl('redis'), logger);
  await waitForRedis(redis, 5_000);
  const instanceId = uniqueId('presence');
  const config = { ...TEST_CONFIG, ...options.config };
  const store = new RedisPresenceStore(redis, presenceKeys(deployment.keyPrefix), storeOptions(config));
  const counters = new RedisGatewayCounters(redis, presenceKeys(deployment.keyPrefix), gatewayCountersOptions(config));
  const webhooks = options.webhooks ? new WebhookPublisher((await webhookJetStream(nc)).js, webhookStreams(deployment.subjectPrefix)) : undefined;
  const app = await buildApp({
    webhooks,
    counters,
    store,
    bus,
    logger,
    metrics: createMetrics({ service: 'presence', instanceId, collectDefault: false }),
    config,
    instanceId,
    version: '0.0.0-test',
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url: address,
    redis,
    bus,
    instanceId,
    async close() {
      await app.close();
      await bus.drain();
      await nc.drain();
      store.dispose();
      await closeRedis(redis);
    },
  };
}

/** A plain Redis client for assertions on the stored state, and cleanup of a deployment's keys. */
export async function inspector(deployment: Deployment): Promise<{ redis: Redis; keys: PresenceKeys; close(): Promise<void> }> {
  const logger = createLogger({ service: 'presence-test', level: 'silent' });
  const redis = createRedis(serviceUrl('redis'), logger);
  defineScripts(redis);
  await waitForRedis(redis, 5_000);
  return {
    redis,
    keys: presenceKeys(deployment.keyPrefix),
    async close() {
      await deleteKeys(redis, deployment.keyPrefix);
      await closeRedis(redis);
    },
  };
}

/** Deletes every key of a deployment (tests share one Redis). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** A bus of the deployment for simulated gateways, API instances and observers. */
export async function connectPeer(deployment: Deployment): Promise<{ nc: NatsConnection; bus: () => Bus; close(): Promise<void> }> {
  const logger = createLogger({ service: 'peer', level: 'silent' });
  const nc = await connectNats({ servers: serviceUrl('nats'), name: 'presence-test-peer' });
  const buses: Bus[] = [];
  return {
    nc,
    bus() {
      const bus = createNatsBus(nc, { logger, subjectPrefix: deployment.subjectPrefix });
      buses.push(bus);
      return bus;
    },
    async close() {
      await Promise.all(buses.map((b) => b.drain()));
      await nc.drain();
    },
  };
}
