import { createServiceApp } from '@parley/service';
import type { FastifyInstance } from 'fastify';
import type { PresenceDeps } from './deps.js';
import { healthRoutes } from './health/health.routes.js';
import { presenceHealth } from './health/instance-health.js';
import { PRESENCE_CRITICAL } from './health/rules.js';
import { stackHealth } from './health/stack-health.js';
import { presenceMetrics } from './metrics.js';
import { consumePresenceEvents } from './presence/presence.events.js';
import { servePresenceQueries } from './presence/presence.endpoints.js';
import { startSweeper, type Sweeper } from './presence/presence.sweeper.js';
import { publishActivity, type ActivityPublisher } from './presence/webhook-activity.js';

/**
 * The presence service: consumes the gateways' presence events into its store (Redis, or memory in embedded mode), announces
 * user_joined / user_left, answers presence queries over NATS, and serves the stack's `/healthz`.
 * No env, no process: main.ts (or a test) hands it real clients and owns closing them;
 * `app.close()` stops the timers and bus subscriptions and answers what is in flight first.
 */
export async function buildApp(deps: PresenceDeps): Promise<FastifyInstance> {
  const { store, counters, bus, logger, config } = deps;
  const metrics = presenceMetrics(deps.metrics, { redisUp: () => store.isConnected(), onlineUsers: () => store.onlineUsers() });
  const { app, serve, run, health } = createServiceApp({
    bus,
    logger,
    metrics: deps.metrics,
    health: {
      service: 'presence',
      instanceId: deps.instanceId,
      version: deps.version,
      check: presenceHealth({ store, logger, redisTimeoutMs: config.HEALTH_REDIS_TIMEOUT_MS }),
      // Without Redis presence still serves `/healthz` (which must then say degraded): only NATS is critical.
      critical: PRESENCE_CRITICAL,
    },
    server: { requestTimeout: 15_000, connectionTimeout: 10_000 },
  });
  const stack = stackHealth(
    { bus, counters, self: { check: health }, logger, metrics },
    { gatherMs: config.HEALTH_GATHER_MS, pollIntervalMs: config.HEALTH_POLL_INTERVAL_MS, version: deps.version },
  );
  await app.register(healthRoutes, { stack });

  serve(consumePresenceEvents({ bus, store, logger, metrics }), ...servePresenceQueries({ bus, store, logger }));
  let sweeper: Sweeper | undefined;
  let activity: ActivityPublisher | undefined;
  run(
    {
      start: () => {
        if (deps.webhooks) activity = publishActivity({ store, publisher: deps.webhooks, logger }, config.PRESENCE_OFFLINE_GRACE_MS ?? 10_000);
        sweeper = startSweeper(
          { bus, store, logger, metrics },
          { intervalMs: config.PRESENCE_SWEEP_INTERVAL_MS, graceMs: config.PRESENCE_SWEEP_GRACE_MS, batch: config.PRESENCE_SWEEP_BATCH },
        );
      },
      stop: () => {
        activity?.stop();
        return sweeper?.stop();
      },
    },
    stack,
  );
  return app;
}
