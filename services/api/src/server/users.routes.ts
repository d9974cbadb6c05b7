import { subjects } from '@parley/bus';
import {
  DisconnectUserRequestSchema,
  HttpErrorBodySchema,
  RoomParamsSchema,
  RoomPresenceResponseSchema,
  UserParamsSchema,
  UserPresenceReplySchema,
} from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../http/api-error.js';
import { audit } from '../moderation/moderation.repository.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import { requireScope } from './key-auth.js';
import { SERVER_API_TAG, serverErrors, serverSecurity } from './keys.routes.js';

const unavailable = () => new ApiError('SERVICE_UNAVAILABLE', 'Presence is unavailable; try again shortly', { retryable: true });

/** Users as the backend sees them: who is online, and disconnecting every socket of one. */
export const userRoutes: FastifyPluginAsyncZod<ApiDeps & { rooms: RoomsService }> = async (app, { db, bus, rooms, config }) => {
  app.post(
    '/api/server/users/:user_id/disconnect/',
    {
      preHandler: requireScope('moderate'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Disconnect every socket of a user, on every gateway',
        description:
          'Each socket is told the reason and closed: with `reconnect: false` an `error` (PERMISSION_DENIED) and close 4403, so the SDK stays ' +
          'disconnected; with `reconnect: true` a `reconnect` system message and close 1012, so it comes back with backoff. ' +
          'Their sessions stay valid: to keep a user out, ban them from rooms or stop issuing their tokens.',
        security: serverSecurity,
        params: UserParamsSchema,
        body: DisconnectUserRequestSchema,
        response: { 202: DisconnectUserRequestSchema.extend({ user_id: UserParamsSchema.shape.user_id }), 400: HttpErrorBodySchema, ...serverErrors },
      },
    },
    async (request, reply) => {
      const { user_id } = request.params;
      const { reason, reconnect } = request.body;
      await audit(db, { actor: `key:${request.apiKey!.key_id}`, action: 'disconnect', target_user_id: user_id, details: { reason, reconnect } });
      bus.publish(subjects.userControl, { user_id, action: 'disconnect', reason, reconnect });
      return reply.status(202).send({ user_id, reason, reconnect });
    },
  );

  app.get(
    '/api/server/users/:user_id/presence/',
    {
      preHandler: requireScope('read'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Whether a user is online anywhere, and with how many connections',
        security: serverSecurity,
        params: UserParamsSchema,
        response: { 200: UserPresenceReplySchema, 400: HttpErrorBodySchema, 503: HttpErrorBodySchema, ...serverErrors },
      },
    },
    async (request) => {
      try {
        return await bus.request(subjects.presence.user, { user_id: request.params.user_id }, { timeoutMs: config.PRESENCE_TIMEOUT_MS });
      } catch {
        throw unavailable();
      }
    },
  );

  app.get(
    '/api/server/rooms/:room_id/presence/',
    {
      preHandler: requireScope('read'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Who is online in a room (private rooms too)',
        security: serverSecurity,
        params: RoomParamsSchema,
        response: { 200: RoomPresenceResponseSchema, 400: HttpErrorBodySchema, 404: HttpErrorBodySchema, 503: HttpErrorBodySchema, ...serverErrors },
      },
    },
    async (request) => {
      await rooms.require(request.params.room_id);
      try {
        return await bus.request(subjects.presence.room, { room_id: request.params.room_id }, { timeoutMs: config.PRESENCE_TIMEOUT_MS });
      } catch {
        throw unavailable();
      }
    },
  );
};
