import type { TokenVerifier } from '@parley/auth';
import { connectNats, createNatsBus, webhookJetStream, type Bus } from '@parley/bus';
import { createLogger, createMetrics } from '@parley/observability';
import { serviceUrl, uniqueId } from '@parley/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import type { ApiDeps } from '../src/deps.js';
import { loadApiConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/db.js';
import type { Redis } from '@parley/redis';
import { WebhookEngine, type WebhookSettings } from '../src/webhooks/webhooks.js';

/** Webhook settings for tests: quick retries, short timeouts, a fast relay. */
const TEST_WEBHOOKS: Omit<WebhookSettings, 'prefix'> = {
  timeoutMs: 1_000,
  maxAttempts: 5,
  backoffBaseMs: 50,
  backoffMaxMs: 400,
  concurrency: 4,
  relayIntervalMs: 50,
  syncIntervalMs: 500,
  retentionMs: 3_600_000,
};

export interface TestApi {
  app: FastifyInstance;
  db: Db;
  /** Present when started with `webhooks`; started once `startApi` resolves. */
  webhooks: WebhookEngine | undefined;
  /** A second bus on the same subject prefix, playing the gateway / presence side. */
  peer: Bus;
  prefix: string;
  close(): Promise<void>;
}

export interface TestApiOptions {
  databaseUrl: string;
  /** Share a prefix to make several instances one deployment. */
  prefix?: string;
  verifier?: TokenVerifier;
  config?: Partial<ApiDeps['config']>;
  /** Shares REST rate-limit counts with other instances on the same prefix. */
  redis?: Redis;
  /** Run the webhook engine (JetStream names from `prefix`), with these settings over quick test defaults. */
  webhooks?: Partial<WebhookSettings>;
  /** Publish through the commit-order relay, as the api process does (default true). */
  relay?: boolean;
}

/** A real api instance: real Postgres pool, real NATS, an HTTP server on a random port. */
export async function startApi({
  databaseUrl,
  prefix = uniqueId('api'),
  verifier,
  config,
  redis,
  webhooks: webhookOptions,
  relay = true,
}: TestApiOptions): Promise<TestApi> {
  const logger = createLogger({ service: 'api', level: 'silent' });
  const connections: NatsConnection[] = [];
  const connect = async () => {
    const nc = await connectNats({ servers: serviceUrl('nats'), name: 'api-test' });
    connections.push(nc);
    return createNatsBus(nc, { logger, subjectPrefix: prefix });
  };
  const db = createDb({ url: databaseUrl, poolMax: 5 });
  const bus = await connect();
  const peer = await connect();
  const metrics = createMetrics({ service: 'api', instanceId: 'test', collectDefault: false });
  const webhooks = webhookOptions
    ? new WebhookEngine({ db, ...(await webhookJetStream(connections[0]!)), logger, metrics }, { ...TEST_WEBHOOKS, prefix, ...webhookOptions })
    : undefined;
  const app = await buildApp({
    db,
    bus,
    logger,
    metrics,
    webhooks,
    verifier,
    redis,
    config: {
      // The defaults of everything not set here (the REST rate limits, counted per instance without `redis`).
      ...loadApiConfig({}),
      REDIS_KEY_PREFIX: prefix,
      PUBLIC_WS_URL: 'ws://127.0.0.1:8080/ws/chat/',
      SESSION_TTL_MS: 3_600_000,
      AUTH_REQUIRED: verifier !== undefined,
      PRESENCE_TIMEOUT_MS: 100,
      // No room heads: a tap on a room's subject hears what the test did, nothing periodic
      // (heads: test/relay.int.test.ts, and end to end in the gateway's test/heads.int.test.ts).
      ROOM_HEADS_INTERVAL_MS: 0,
      ...config,
    },
    instanceId: uniqueId('api'),
    version: '0.0.0-test',
    publishRelayUrl: relay ? databaseUrl : undefined,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  await webhooks?.start();
  let closed: Promise<void> | undefined;
  return {
    app,
    db,
    webhooks,
    peer,
    prefix,
    // Once: a test may stop an instance itself (a restart) before its cleanup runs.
    close: () =>
      (closed ??= (async () => {
        await app.close();
        await bus.drain();
        await peer.drain();
        await Promise.all(connections.map((nc) => nc.drain()));
        await db.destroy();
      })()),
  };
}
