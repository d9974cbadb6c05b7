import { verifierFromSettings } from '@parley/auth';
import { connectNats, createNatsBus } from '@parley/bus';
import { createLogger, createMetrics, defaultInstanceId } from '@parley/observability';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadGatewayConfig } from './config.js';
import { VERSION } from './version.js';

const config = loadGatewayConfig();
const instanceId = config.INSTANCE_ID ?? defaultInstanceId('gateway');
const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, instanceId });

const nc = await connectNats({ servers: config.NATS_URL, name: instanceId });
const bus = createNatsBus(nc, { logger, subjectPrefix: config.BUS_SUBJECT_PREFIX || undefined });
const verifier = verifierFromSettings(config);

const app = await buildApp({
  bus,
  logger,
  metrics: createMetrics({ service: 'gateway', instanceId }),
  verifier,
  config,
  instanceId,
  version: VERSION,
});

// app.close() sends every client the reconnect hint and 1012, then flushes statistics; the bus
// drains last so the disconnect events and the final report leave the process.
closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down');
  await app.close();
  await bus.drain();
  await nc.drain();
});

await app.listen({ host: config.HOST, port: config.PORT });
