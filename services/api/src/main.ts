import { verifierFromSettings } from '@parley/auth';
import { connectNats, createNatsBus } from '@parley/bus';
import { createLogger, createMetrics, defaultInstanceId } from '@parley/observability';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';
import { createDb } from './db/db.js';
import { migrateToLatest } from './db/migrator.js';
import { VERSION } from './version.js';

const config = loadApiConfig();
const instanceId = config.INSTANCE_ID ?? defaultInstanceId('api');
const logger = createLogger({ service: 'api', level: config.LOG_LEVEL, instanceId });

const db = createDb({
  url: config.DATABASE_URL,
  poolMax: config.DATABASE_POOL_MAX,
  onPoolError: (err) => logger.warn({ err }, 'idle database connection failed'),
});
if (config.MIGRATE_ON_START) {
  const { results } = await migrateToLatest(db);
  logger.info({ applied: results?.map((r) => r.migrationName) ?? [] }, 'migrations up to date');
}
const nc = await connectNats({ servers: config.NATS_URL, name: instanceId });
const bus = createNatsBus(nc, { logger, subjectPrefix: config.BUS_SUBJECT_PREFIX || undefined });
const verifier = verifierFromSettings(config);

const app = await buildApp({
  db,
  bus,
  logger,
  metrics: createMetrics({ service: 'api', instanceId }),
  verifier,
  config,
  instanceId,
  version: VERSION,
});

closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down');
  await app.close();
  await bus.drain();
  await nc.drain();
  await db.destroy();
});

await app.listen({ host: config.HOST, port: config.PORT });
