import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { corsOrigins } from '@parley/config';
import { createServiceApp } from '@parley/service';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { ApiConfigSchema } from './config.js';
import type { ApiDeps } from './deps.js';
import { registerPoolMetrics } from './db/pool-metrics.js';
import { apiHealth } from './health/health.js';
import { registerCaller, SESSION_HEADER } from './http/caller.js';
import { registerCors } from './http/cors.js';
import { apiErrors } from './http/error-handler.js';
import { instrumentHttp } from './http/http-metrics.js';
import { traceHttp } from './http/http-tracing.js';
import { registerRestRateLimit } from './http/rate-limit.js';
import { createMessagePublishing } from './messages/messages.js';
import { moderated, ModerationGate } from './moderation/gate.js';
import { moderationRoutes } from './moderation/moderation.routes.js';
import { ModerationService } from './moderation/moderation.service.js';
import { serveMessageEndpoints } from './messages/messages.endpoints.js';
import { messageRoutes } from './messages/messages.routes.js';
import { presenceCounts } from './rooms/presence-counts.js';
import { serveReadEndpoints } from './reads/reads.endpoints.js';
import { readRoutes } from './reads/reads.routes.js';
import { ReadsService } from './reads/reads.service.js';
import { serveRoomEndpoints } from './rooms/rooms.endpoints.js';
import { roomMetrics } from './rooms/rooms.metrics.js';
import { roomRoutes } from './rooms/rooms.routes.js';
import { RoomsService } from './rooms/rooms.service.js';
import { API_KEY_HEADER } from './server/key-auth.js';
import { serverApi } from './server/server-api.js';
import { serveSessionEndpoints } from './sessions/sessions.endpoints.js';
import { sessionRoutes } from './sessions/sessions.routes.js';

/**
 * The api service: REST for sessions, rooms and history, and the bus endpoints gateways use.
 * Each feature (sessions/, rooms/, messages/) brings its routes, bus endpoints, repository and
 * metrics; the service shell (@parley/service) brings the probes, the error envelope and the
 * lifecycle. No env, no process: main.ts (or a test) hands it real clients and owns closing them;
 * `app.close()` stops the bus endpoints and answers what is in flight first.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const { db, bus, logger, metrics, config } = deps;
  const shell = createServiceApp({
    bus,
    logger,
    metrics,
    health: { service: 'api', instanceId: deps.instanceId, version: deps.version, check: apiHealth(deps) },
    server: {
      bodyLimit: 64 * 1024,
      requestTimeout: 15_000,
      connectionTimeout: 10_000,
      // request.ip (the rate limit's key) is the X-Forwarded-For client only behind a trusted proxy.
      trustProxy: config.TRUSTED_PROXIES.length > 0 ? [...config.TRUSTED_PROXIES] : false,
    },
    errors: apiErrors,
  });
  const app = shell.app.withTypeProvider<ZodTypeProvider>();

  const defaults = ApiConfigSchema.shape;
  const {
    appender: unmoderated,
    relay,
    heads,
  } = createMessagePublishing(
    db,
    bus,
    metrics,
    {
      editWindowMs: config.MESSAGE_EDIT_WINDOW_MS ?? defaults.MESSAGE_EDIT_WINDOW_MS.parse(undefined),
      maxReactions: config.MESSAGE_MAX_REACTIONS ?? defaults.MESSAGE_MAX_REACTIONS.parse(undefined),
    },
    deps.publishRelayUrl === undefined ? undefined : { databaseUrl: deps.publishRelayUrl, logger },
    config.ROOM_HEADS_INTERVAL_MS ?? 0,
  );
  // Moderation (mutes, bans, slow mode) judges every message before it is appended.
  const appender = moderated(unmoderated, new ModerationGate(db));
  const presence = presenceCounts(bus, logger, config.PRESENCE_TIMEOUT_MS, roomMetrics(metrics).presenceMisses);
  const rooms = new RoomsService(db, bus, presence, {
    guestRoomCreation: config.GUEST_ROOM_CREATION ?? true,
  });
  const reads = new ReadsService(
    db,
    bus,
    presence,
    { receiptsMaxMembers: config.READ_RECEIPTS_MAX_MEMBERS ?? defaults.READ_RECEIPTS_MAX_MEMBERS.parse(undefined) },
    logger,
  );
  const moderation = new ModerationService(db, bus, rooms);

  await registerCors(app, corsOrigins(config));
  instrumentHttp(app, metrics);
  traceHttp(app);
  registerPoolMetrics(metrics, db);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley API', version: deps.version, description: 'Sessions, rooms and message history' },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'Required on every endpoint when AUTH_REQUIRED=true; acts for the token’s sub.',
          },
          apiKeyBearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'pk_<id>_<secret>',
            description: 'The server API (/api/server/): an API key made with `npm run apikey -- create`.',
          },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: API_KEY_HEADER, description: 'The server API: the API key in a header of its own.' },
          sessionAuth: {
            type: 'apiKey',
            in: 'header',
            name: SESSION_HEADER,
            description: 'Without AUTH_REQUIRED: names the caller by one of their session ids (a credential; keep it secret).',
          },
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
    const limits = await registerRestRateLimit(scope, {
      redis: deps.redis,
      verifier: deps.verifier,
      logger,
      registry: metrics.registry,
      prefix: config.REDIS_KEY_PREFIX,
      windowMs: config.REST_RATE_LIMIT_WINDOW_MS,
      ipMax: config.REST_RATE_LIMIT_IP_MAX,
      userMax: config.REST_RATE_LIMIT_USER_MAX,
      keyMax: config.REST_RATE_LIMIT_KEY_MAX,
    });
    // Users' routes: a JWT or a session names the caller.
    await scope.register(async (users) => {
      users.addHook('onRequest', limits.perCaller);
      registerCaller(users, { db, verifier: deps.verifier, authRequired: config.AUTH_REQUIRED });
      await users.register(sessionRoutes, deps);
      await users.register(roomRoutes, { ...deps, rooms });
      await users.register(messageRoutes, { ...deps, rooms, appender });
      await users.register(readRoutes, { rooms, reads });
      await users.register(moderationRoutes, { moderation });
    });
    // The server API: an API key, never a user.
    await scope.register(serverApi, { deps, limits, rooms, appender, moderation });
  });

  shell.serve(
    ...serveSessionEndpoints({ db, bus, logger, sessionTtlMs: config.SESSION_TTL_MS }),
    ...serveRoomEndpoints({ db, bus, rooms }),
    ...serveMessageEndpoints({ db, bus, appender }),
    ...serveReadEndpoints({ db, bus, rooms, reads }),
  );
  // Appends handed over by the endpoints commit (and publish) before the bus drains; the relay
  // hands over only after this instance's last commit.
  shell.run({
    start: () => relay?.start(),
    drained: async () => {
      await appender.idle();
      await relay?.drained();
    },
  });
  if (heads) shell.run(heads);
  const { webhooks } = deps;
  if (webhooks) {
    // Beside the chat path: chat serves whether or not JetStream is there; webhooks catch up once it is.
    shell.run({
      start: () => void webhooks.start().catch((err: unknown) => logger.error({ err }, 'webhooks did not start')),
      stop: () => webhooks.stop(),
    });
  }
  return app;
}
