import { connectNats, createNatsBus } from '@parley/bus';
import { createLogger, createMetrics, defaultInstanceId } from '@parley/observability';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadPresenceConfig } from './config.js';
import { closeRedis, createRedis, waitForRedis } from './redis/client.js';
import { VERSION } from './version.js';

const config = loadPresenceConfig();
// Instance ids are NATS-safe tokens: a host name's dots are not.
const instanceId = config.INSTANCE_ID ?? defaultInstanceId('presence');
const logger = createLogger({ service: 'presence', level: config.LOG_LEVEL, instanceId });

const redis = createRedis(config.REDIS_URL, logger);
// Presence starts without Redis too (degraded): it still serves the stack's /healthz.
if (!(await waitForRedis(redis, 2_000))) logger.warn('redis is not reachable yet; starting degraded');
const nc = await connectNats({ servers: config.NATS_URL, name: instanceId });
const bus = createNatsBus(nc, { logger, subjectPrefix: config.BUS_SUBJECT_PREFIX || undefined });

const app = await buildApp({
  redis,
  bus,
  logger,
  metrics: createMetrics({ service: 'presence', instanceId }),
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
  await closeRedis(redis);
});

await app.listen({ host: config.HOST, port: config.PORT });
