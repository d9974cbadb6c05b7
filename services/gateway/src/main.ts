import { verifierFromSettings } from '@parley/auth';
import { closeRedis, createRedis, waitForRedis } from '@parley/redis';
import { runService } from '@parley/service';
import { buildApp } from './app.js';
import { loadGatewayConfig } from './config.js';
import { VERSION } from './version.js';

const config = loadGatewayConfig();

// On shutdown app.close() sends every client the reconnect hint and 1012, then flushes
// statistics; runService drains the bus after it, so the final reports leave the process.
await runService('gateway', config, async ({ instanceId, logger, metrics, bus }) => {
  const redis = createRedis(config.REDIS_URL, logger, { degraded: 'per-user limits hold per gateway', commandTimeoutMs: config.WS_LIMITS_REDIS_TIMEOUT_MS });
  // Connections admitted before Redis is ready count on this gateway alone until the next refresh, so
  // a gateway that serves at once could let a user past the cluster cap: give Redis a moment first.
  // Without it the gateway starts anyway, with per-gateway limits, and shares them once it connects.
  if (!(await waitForRedis(redis, 2_000))) logger.warn('redis is not reachable yet; starting with per-gateway limits');
  const app = await buildApp({ bus, logger, metrics, redis, verifier: verifierFromSettings(config), config, instanceId, version: VERSION });
  return { app, close: () => closeRedis(redis) };
});
