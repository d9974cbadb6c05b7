import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { corsOrigins } from '@parley/config';
import { subjects } from '@parley/bus';
import { HTTP_STATUS_FOR_HEALTH, RoomEventSchema } from '@parley/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Counter, Histogram } from 'prom-client';
import { serveApiEndpoints } from './bus/api-endpoints.js';
import type { ApiDeps } from './deps.js';
import { apiHealth, serveHealthProbe } from './health/health.js';
import { registerPoolMetrics } from './db/pool-metrics.js';
import { registerCaller, SESSION_HEADER } from './http/caller.js';
import { registerCors } from './http/cors.js';
import { registerErrorHandling } from './http/error-handler.js';
import { instrumentHttp } from './http/http-metrics.js';
import { traceHttp } from './http/http-tracing.js';
import { registerRestRateLimit } from './http/rate-limit.js';
import { MessageAppender } from './messages/append.js';
import { messageRoutes } from './messages/messages.routes.js';
import { presenceCounts } from './rooms/presence-counts.js';
import { roomRoutes } from './rooms/rooms.routes.js';
import { RoomsService } from './rooms/rooms.service.js';
import { sessionRoutes } from './sessions/sessions.routes.js';

/**
 * The api service: REST for sessions, rooms and history, and the bus endpoints gateways use.
 * No env, no process: main.ts (or a test) hands it real clients and owns closing them;
 * `app.close()` stops the bus endpoints and answers what is in flight first.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const { db, bus, logger, metrics } = deps;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; without the widening every plugin's instance type differs.
    loggerInstance: logger as FastifyBaseLogger,
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 64 * 1024,
    requestTimeout: 15_000,
    connectionTimeout: 10_000,
    // request.ip (the rate limit's key) is the X-Forwarded-For client only behind a trusted proxy.
    trustProxy: deps.config.TRUSTED_PROXIES.length > 0 ? [...deps.config.TRUSTED_PROXIES] : false,
  }).withTypeProvider<ZodTypeProvider>();

  const appended = new Counter({ name: 'parley_api_messages_stored_total', help: 'Chat messages stored', registers: [metrics.registry] });
  const batchSize = new Histogram({
    name: 'parley_api_append_batch_size',
    help: 'Messages committed per append transaction',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [metrics.registry],
  });
  const appendSeconds = new Histogram({
    name: 'parley_api_append_commit_seconds',
    help: 'Duration of each append transaction (one group-committed batch)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [metrics.registry],
  });
  const presenceMisses = new Counter({
    name: 'parley_api_presence_unavailable_total',
    help: 'Room listings answered without presence counts because presence did not reply in time',
    registers: [metrics.registry],
  });

  const appender = new MessageAppender(db, {
    onStored: (message) => {
      appended.inc();
      bus.publish(subjects.chatRoom(message.room_id), RoomEventSchema.parse({ kind: 'message', message }));
    },
    onBatch: (size, seconds) => {
      batchSize.observe(size);
      appendSeconds.observe(seconds);
    },
  });
  const rooms = new RoomsService(db, bus, presenceCounts(bus, logger, deps.config.PRESENCE_TIMEOUT_MS, presenceMisses), {
    guestRoomCreation: deps.config.GUEST_ROOM_CREATION ?? true,
  });
  const health = apiHealth({ ...deps, startedAt: Date.now() });

  registerErrorHandling(app);
  await registerCors(app, corsOrigins(deps.config));
  instrumentHttp(app, metrics);
  traceHttp(app);
  registerPoolMetrics(metrics, db);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley API', version: deps.version, description: 'Sessions, rooms and message history' },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Required on every endpoint when AUTH_REQUIRED=true; acts for the token’s sub.' },
          sessionAuth: { type: 'apiKey', in: 'header', name: SESSION_HEADER, description: 'Without AUTH_REQUIRED: names the caller by one of their session ids (a credential; keep it secret).' },
        },
      },
      // Either scheme, or none (public rooms and their history are readable anonymously unless AUTH_REQUIRED).
      security: [{ bearerAuth: [] }, { sessionAuth: [] }, {}],
    },
    transform: createJsonSchemaTransform({ skipList: ['/livez', '/readyz', '/metrics', '/docs', '/docs/*'] }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // zod compilers only inside this scope: plain JSON-schema routes elsewhere keep fastify's own.
  await app.register(async (scope) => {
    scope.setValidatorCompiler(validatorCompiler);
    scope.setSerializerCompiler(serializerCompiler);
    const { config } = deps;
    await registerRestRateLimit(scope, {
      redis: deps.redis,
      verifier: deps.verifier,
      logger,
      registry: metrics.registry,
      prefix: config.REDIS_KEY_PREFIX,
      windowMs: config.REST_RATE_LIMIT_WINDOW_MS,
      ipMax: config.REST_RATE_LIMIT_IP_MAX,
      userMax: config.REST_RATE_LIMIT_USER_MAX,
    });
    registerCaller(scope, { db, verifier: deps.verifier, authRequired: deps.config.AUTH_REQUIRED });
    await scope.register(sessionRoutes, deps);
    await scope.register(roomRoutes, { ...deps, rooms });
    await scope.register(messageRoutes, { ...deps, rooms });
  });

  app.get('/livez', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const report = await health.check();
    return reply.status(HTTP_STATUS_FOR_HEALTH[report.status]).send(report);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.text()),
  );

  const subscriptions = [
    ...serveApiEndpoints({ db, bus, logger, rooms, appender, sessionTtlMs: deps.config.SESSION_TTL_MS }),
    serveHealthProbe(bus, health),
  ];
  app.addHook('onReady', async () => {
    await Promise.all(subscriptions.map((s) => s.ready));
  });
  app.addHook('onClose', async () => {
    for (const s of subscriptions) s.unsubscribe();
    await Promise.all(subscriptions.map((s) => s.closed));
    await appender.idle();
  });
  return app;
}
