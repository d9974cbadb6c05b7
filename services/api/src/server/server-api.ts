import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { RestLimits } from '../http/rate-limit.js';
import type { MessageAppender } from '../messages/append.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import { serverModerationRoutes } from '../moderation/moderation.routes.js';
import type { ModerationService } from '../moderation/moderation.service.js';
import { keyRoutes } from './keys.routes.js';
import { registerApiKeyAuth } from './key-auth.js';
import { webhookRoutes } from '../webhooks/webhooks.routes.js';
import { publishRoutes } from './publish.routes.js';
import { serverRoomRoutes } from './rooms.routes.js';
import { userRoutes } from './users.routes.js';

export interface ServerApiOptions {
  deps: ApiDeps;
  limits: RestLimits;
  rooms: RoomsService;
  /** The one appender of the app: a published message takes the same path as a user's. */
  appender: MessageAppender;
  moderation: ModerationService;
}

/**
 * `/api/server/`: the API of an application's backend. Every route here is behind an API key
 * (`request.apiKey`, 401 without a live one), limited per key, and states its scope with a
 * `preHandler: requireScope('<scope>')`. A feature of the server API registers its routes below.
 */
export const serverApi: FastifyPluginAsync<ServerApiOptions> = async (scope, { deps, limits, rooms, appender, moderation }) => {
  registerApiKeyAuth(scope, deps.db);
  scope.addHook('onRequest', limits.perKey);
  await scope.register(keyRoutes, deps);
  await scope.register(webhookRoutes, deps);
  await scope.register(publishRoutes, { appender });
  await scope.register(userRoutes, { ...deps, rooms });
  await scope.register(serverRoomRoutes, { ...deps, rooms });
  await scope.register(serverModerationRoutes, { moderation });
};
