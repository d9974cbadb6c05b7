import { verifierFromSettings } from '@parley/auth';
import { closeRedis, createRedis } from '@parley/redis';
import { runService } from '@parley/service';
import { buildApp } from './app.js';
import { loadGatewayConfig } from './config.js';
import { VERSION } from './version.js';

const config = loadGatewayConfig();

// On shutdown app.close() sends every client the reconnect hint and 1012, then flushes
// statistics; runService drains the bus after it, so the final reports leave the process.
await runService('gateway', config, async ({ instanceId, logger, metrics, bus }) => {
  // Not awaited: without Redis the gateway starts with per-gateway limits and shares them once it connects.
  const redis = createRedis(config.REDIS_URL, logger, { degraded: 'per-user limits hold per gateway', commandTimeoutMs: config.WS_LIMITS_REDIS_TIMEOUT_MS });
  const app = await buildApp({ bus, logger, metrics, redis, verifier: verifierFromSettings(config), config, instanceId, version: VERSION });
  return { app, close: () => closeRedis(redis) };
});
