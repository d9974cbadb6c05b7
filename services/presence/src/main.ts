import { runService } from '@parley/service';
import { webhookJetStream, WebhookPublisher, webhookStreams } from '@parley/bus';
import { buildApp } from './app.js';
import { loadPresenceConfig } from './config.js';
import { closeRedis, createRedis, waitForRedis } from '@parley/redis';
import { gatewayCountersOptions } from './health/gateway-counters.js';
import { storeOptions } from './presence/presence.store.js';
import { presenceKeys } from './redis/keys.js';
import { RedisGatewayCounters } from './redis/redis.gateway-counters.js';
import { RedisPresenceStore } from './redis/redis.store.js';
import { VERSION } from './version.js';

const config = loadPresenceConfig();

await runService('presence', config, async ({ instanceId, logger, metrics, bus, nc }) => {
  const redis = createRedis(config.REDIS_URL, logger, { degraded: 'presence is degraded' });
  // Presence starts without Redis too (degraded): it still serves the stack's /healthz.
  if (!(await waitForRedis(redis, 2_000))) logger.warn('redis is not reachable yet; starting degraded');
  const keys = presenceKeys(config.REDIS_KEY_PREFIX);
  const store = new RedisPresenceStore(redis, keys, storeOptions(config));
  const counters = new RedisGatewayCounters(redis, keys, gatewayCountersOptions(config));
  const webhooks =
    config.WEBHOOKS_ENABLED && nc ? new WebhookPublisher((await webhookJetStream(nc)).js, webhookStreams(config.BUS_SUBJECT_PREFIX || undefined)) : undefined;
  const app = await buildApp({ store, counters, bus, logger, metrics, webhooks, config, instanceId, version: VERSION });
  return {
    app,
    close: async () => {
      store.dispose();
      await closeRedis(redis);
    },
  };
});
