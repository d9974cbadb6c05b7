import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { PresenceDeps } from './deps.js';
import { healthRoutes } from './health/health.routes.js';
import { presenceHealth, serveHealthProbe } from './health/instance-health.js';
import { stackHealth } from './health/stack-health.js';
import { registerErrorHandling } from './http/error-handler.js';
import { presenceMetrics } from './metrics.js';
import { consumePresenceEvents } from './presence/presence.events.js';
import { servePresenceQueries } from './presence/presence.endpoints.js';
import { startSweeper, type Sweeper } from './presence/presence.sweeper.js';

/**
 * The presence service: consumes the gateways' presence events into its store (Redis, or memory in embedded mode), announces
 * user_joined / user_left, answers presence queries over NATS, and serves the stack's `/healthz`.
 * No env, no process: main.ts (or a test) hands it real clients and owns closing them;
 * `app.close()` stops the timers and bus subscriptions and answers what is in flight first.
 */
export async function buildApp(deps: PresenceDeps): Promise<FastifyInstance> {
  const { store, bus, logger, config } = deps;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; without the widening every plugin's instance type differs.
    loggerInstance: logger as FastifyBaseLogger,
    routerOptions: { ignoreTrailingSlash: true },
    requestTimeout: 15_000,
    connectionTimeout: 10_000,
  });

  const metrics = presenceMetrics(deps.metrics, { redisUp: () => store.isConnected(), onlineUsers: () => store.onlineUsers() });
  const self = presenceHealth({
    store,
    bus,
    logger,
    instanceId: deps.instanceId,
    version: deps.version,
    startedAt: Date.now(),
    redisTimeoutMs: config.HEALTH_REDIS_TIMEOUT_MS,
  });
  const stack = stackHealth(
    { bus, store, self, logger, metrics },
    { gatherMs: config.HEALTH_GATHER_MS, pollIntervalMs: config.HEALTH_POLL_INTERVAL_MS, version: deps.version },
  );

  registerErrorHandling(app);
  await app.register(healthRoutes, { stack, self, metrics: deps.metrics });

  const subscriptions = [
    consumePresenceEvents({ bus, store, logger, metrics }),
    ...servePresenceQueries({ bus, store, logger }),
    serveHealthProbe(bus, self),
  ];
  let sweeper: Sweeper | undefined;
  app.addHook('onReady', async () => {
    await Promise.all(subscriptions.map((s) => s.ready));
    sweeper = startSweeper(
      { bus, store, logger, metrics },
      { intervalMs: config.PRESENCE_SWEEP_INTERVAL_MS, graceMs: config.PRESENCE_SWEEP_GRACE_MS, batch: config.PRESENCE_SWEEP_BATCH },
    );
    stack.start();
  });
  app.addHook('onClose', async () => {
    await Promise.all([sweeper?.stop(), stack.stop()]);
    for (const s of subscriptions) s.unsubscribe();
    await Promise.all(subscriptions.map((s) => s.closed));
  });
  return app;
}
