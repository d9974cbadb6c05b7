import { subjects } from '@parley/bus';
import { CreateSessionRequestSchema, CreateSessionResponseSchema, HttpErrorBodySchema, SessionParamsSchema, SessionResponseSchema } from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ApiDeps } from '../deps.js';
import type { SessionRow } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';
import type { Caller } from '../http/caller.js';
import { closeSession, insertSession, messagesSent } from './sessions.repository.js';
import { getSession, toSessionResponse } from './sessions.service.js';

const errors = { 400: HttpErrorBodySchema, 401: HttpErrorBodySchema, 403: HttpErrorBodySchema, 404: HttpErrorBodySchema };

export const sessionRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { db, bus, config } = deps;

  /**
   * A caller with a token (every caller, under AUTH_REQUIRED) acts only for the token's `sub`.
   * Without a token the session id in the path is itself the credential.
   */
  const requireOwner = (caller: Caller | null, userId: string) => {
    if (caller?.via === 'token' && caller.user_id !== userId) {
      throw new ApiError('PERMISSION_DENIED', 'The token does not belong to this session’s user');
    }
  };

  const websocketUrl = (row: SessionRow) => {
    const url = new URL(config.PUBLIC_WS_URL);
    url.searchParams.set('session_id', row.session_id);
    return url.toString();
  };

  app.post(
    '/api/sessions/',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Create a session',
        body: CreateSessionRequestSchema,
        response: { 201: CreateSessionResponseSchema, ...errors },
      },
    },
    async (request, reply) => {
      requireOwner(request.caller, request.body.user_id);
      const row = await insertSession(db, {
        user_id: request.body.user_id,
        preferences: request.body.preferences ?? {},
        ttl_ms: config.SESSION_TTL_MS,
      });
      return reply.status(201).send({
        session_id: row.session_id,
        user_id: row.user_id,
        created_at: row.created_at.toISOString(),
        expires_at: row.expires_at.toISOString(),
        websocket_url: websocketUrl(row),
      });
    },
  );

  app.get(
    '/api/sessions/:session_id/',
    {
      schema: {
        tags: ['sessions'],
        summary: 'A session’s status, preferences and statistics',
        params: SessionParamsSchema,
        response: { 200: SessionResponseSchema, ...errors },
      },
    },
    async (request) => {
      const row = await getSession(db, request.params.session_id);
      requireOwner(request.caller, row.user_id);
      return toSessionResponse(row, await messagesSent(db, row.session_id));
    },
  );

  app.delete(
    '/api/sessions/:session_id/',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Close a session and every socket using it',
        params: SessionParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const row = await getSession(db, request.params.session_id);
      requireOwner(request.caller, row.user_id);
      if (await closeSession(db, row.session_id)) {
        bus.publish(subjects.sessionControl, { session_id: row.session_id, action: 'close' });
      }
      return reply.status(204).send(null);
    },
  );
};
