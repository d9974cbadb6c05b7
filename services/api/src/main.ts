import { verifierFromSettings } from '@parley/auth';
import { closeRedis, createRedis } from '@parley/redis';
import { runService } from '@parley/service';
import { webhookJetStream } from '@parley/bus';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';
import { createDb } from './db/db.js';
import { migrateToLatest } from './db/migrator.js';
import { VERSION } from './version.js';
import { WebhookEngine, webhookSettings } from './webhooks/webhooks.js';

const config = loadApiConfig();

await runService('api', config, async ({ instanceId, logger, metrics, bus, nc }) => {
  const db = createDb({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    onPoolError: (err) => logger.warn({ err }, 'idle database connection failed'),
  });
  if (config.MIGRATE_ON_START) {
    const { results } = await migrateToLatest(db);
    logger.info({ applied: results?.map((r) => r.migrationName) ?? [] }, 'migrations up to date');
  }
  // Not awaited: without Redis the rate limits count per instance until it connects.
  const redis = createRedis(config.REDIS_URL, logger, { degraded: 'REST rate limits count per instance' });
  const webhooks =
    config.WEBHOOKS_ENABLED && nc
      ? new WebhookEngine({ db, ...(await webhookJetStream(nc)), logger, metrics }, webhookSettings(config, config.BUS_SUBJECT_PREFIX || undefined))
      : undefined;
  const app = await buildApp({
    db,
    bus,
    logger,
    metrics,
    redis,
    webhooks,
    verifier: verifierFromSettings(config),
    config,
    instanceId,
    version: VERSION,
    publishRelayUrl: config.PUBLISH_RELAY ? config.DATABASE_URL : undefined,
  });
  return { app, close: () => Promise.all([db.destroy(), closeRedis(redis)]).then(() => undefined) };
});
