import {
  AuditPageSchema,
  AuditQuerySchema,
  BanRequestSchema,
  BanSchema,
  HttpErrorBodySchema,
  MemberParamsSchema,
  MuteRequestSchema,
  MuteSchema,
  RoomParamsSchema,
  SlowModeRequestSchema,
  SlowModeSchema,
} from '@parley/protocol';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { requireScope } from '../server/key-auth.js';
import { SERVER_API_TAG, serverErrors, serverSecurity } from '../server/keys.routes.js';
import { readAudit, type Actor } from './moderation.repository.js';
import type { ModerationService } from './moderation.service.js';

const errors = { 400: HttpErrorBodySchema, 401: HttpErrorBodySchema, 403: HttpErrorBodySchema, 404: HttpErrorBodySchema };

interface Surface {
  prefix: '/api/rooms' | '/api/server/rooms';
  tags: string[];
  security?: Record<string, string[]>[];
  preHandler?: preHandlerAsyncHookHandler;
  /** Who is acting, after checking they may act on `target` in `roomId`. */
  actor(request: FastifyRequest, roomId: string, target?: string): Promise<Actor>;
  who: string;
}

/** The same five actions for room owners and admins (`/api/rooms/…`) and for keys with `moderate` (`/api/server/rooms/…`). */
function moderationActions(plain: FastifyInstance, moderation: ModerationService, surface: Surface): void {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const { prefix, tags, security, preHandler, actor, who } = surface;
  const base = { tags, ...(security ? { security } : {}) };
  const hooks = preHandler ? { preHandler } : {};

  app.post(
    `${prefix}/:room_id/mutes/`,
    {
      ...hooks,
      schema: {
        ...base,
        summary: `Mute a user in a room for a while (${who})`,
        description: 'Their messages are refused with PERMISSION_DENIED and `details.until` on every gateway until then. Muting again replaces the end.',
        params: RoomParamsSchema,
        body: MuteRequestSchema,
        response: { 200: MuteSchema, ...errors },
      },
    },
    async (request) => {
      const { room_id } = request.params;
      return moderation.mute(room_id, request.body.user_id, request.body.duration_seconds, await actor(request, room_id, request.body.user_id));
    },
  );

  app.delete(
    `${prefix}/:room_id/mutes/:user_id/`,
    { ...hooks, schema: { ...base, summary: `Unmute a user (${who})`, params: MemberParamsSchema, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const { room_id, user_id } = request.params;
      await moderation.unmute(room_id, user_id, await actor(request, room_id, user_id));
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${prefix}/:room_id/bans/`,
    {
      ...hooks,
      schema: {
        ...base,
        summary: `Ban a user from a room (${who})`,
        description: 'Removed at once (membership, sessions, every socket on every gateway); they cannot join, enter or post again until unbanned.',
        params: RoomParamsSchema,
        body: BanRequestSchema,
        response: { 200: BanSchema, ...errors },
      },
    },
    async (request) => {
      const { room_id } = request.params;
      return moderation.ban(room_id, request.body.user_id, await actor(request, room_id, request.body.user_id), request.body.reason);
    },
  );

  app.delete(
    `${prefix}/:room_id/bans/:user_id/`,
    { ...hooks, schema: { ...base, summary: `Lift a ban (${who})`, params: MemberParamsSchema, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const { room_id, user_id } = request.params;
      await moderation.unban(room_id, user_id, await actor(request, room_id, user_id));
      return reply.status(204).send(null);
    },
  );

  app.put(
    `${prefix}/:room_id/slow-mode/`,
    {
      ...hooks,
      schema: {
        ...base,
        summary: `Set a room’s slow mode (${who})`,
        description:
          'At most one message per `seconds` per user (owners and admins exempt), across every gateway and api instance: sooner is RATE_LIMIT_EXCEEDED with `retry_after_ms`. 0 turns it off.',
        params: RoomParamsSchema,
        body: SlowModeRequestSchema,
        response: { 200: SlowModeSchema, ...errors },
      },
    },
    async (request) => {
      const { room_id } = request.params;
      return moderation.slowMode(room_id, request.body.seconds, await actor(request, room_id));
    },
  );
}

/** Moderation by a room's owner or admins, identified like every user route. */
export const moderationRoutes: FastifyPluginAsyncZod<{ moderation: ModerationService }> = async (app, { moderation }) => {
  moderationActions(app, moderation, {
    prefix: '/api/rooms',
    tags: ['moderation'],
    who: 'the room’s owner or an admin',
    actor: (request, roomId, target) => moderation.moderator(roomId, request.caller, target),
  });
};

/** Moderation by the backend (keys with `moderate`), and the audit log (`read`). */
export const serverModerationRoutes: FastifyPluginAsyncZod<{ moderation: ModerationService }> = async (app, { moderation }) => {
  moderationActions(app, moderation, {
    prefix: '/api/server/rooms',
    tags: [SERVER_API_TAG],
    security: serverSecurity,
    preHandler: requireScope('moderate'),
    who: 'a key with moderate',
    actor: async (request) => `key:${request.apiKey!.key_id}`,
  });

  app.get(
    '/api/server/audit/',
    {
      preHandler: requireScope('read'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'The moderation audit log, newest first',
        description: 'Every mute, unmute, ban, unban, slow-mode change, removal and disconnect: who (`key:<id>` or `user:<id>`), what, when, on whom.',
        security: serverSecurity,
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema, 400: HttpErrorBodySchema, ...serverErrors },
      },
    },
    async (request) => ({ entries: await readAudit(moderation.db, request.query) }),
  );
};
