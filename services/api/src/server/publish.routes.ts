import {
  BroadcastRequestSchema,
  BroadcastResponseSchema,
  HttpErrorBodySchema,
  IDEMPOTENCY_KEY_HEADER,
  PublishHeadersSchema,
  PublishMessageRequestSchema,
  PublishMessageResponseSchema,
  RoomParamsSchema,
  serverAuthorUserId,
  toChatMessage,
  type BroadcastResponse,
  type ServerAuthor,
} from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiError } from '../http/api-error.js';
import type { MessageAppender } from '../messages/append.js';
import { requireScope } from './key-auth.js';
import { SERVER_API_TAG, serverErrors, serverSecurity } from './keys.routes.js';

const publishDescription =
  'Stored through the same append path as users’ messages: the next gap-free `seq` of the room, answered after the commit, ' +
  `then delivered to every socket in the room. An \`${IDEMPOTENCY_KEY_HEADER}\` header (1-64 of [A-Za-z0-9_-]) de-duplicates retries: ` +
  'the same key (per room and author) answers 200 with the stored copy and `duplicate: true`, never a second message. ' +
  'A private room takes messages only from its members (add the bot as a member first).';

/** Messages from an application's backend, as a bot (`bot:<name>`) or the system (`system`): no session, never a user's socket. */
export const publishRoutes: FastifyPluginAsyncZod<{ appender: MessageAppender }> = async (app, { appender }) => {
  const publish = (roomId: string, author: ServerAuthor, content: string, idempotencyKey: string | undefined) =>
    appender.append({ room_id: roomId, author: { user_id: serverAuthorUserId(author), session_id: null }, content, client_msg_id: idempotencyKey ?? null });

  app.post(
    '/api/server/rooms/:room_id/messages/',
    {
      preHandler: requireScope('publish'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Publish a message to a room as a bot or the system',
        description: publishDescription,
        security: serverSecurity,
        params: RoomParamsSchema,
        headers: PublishHeadersSchema,
        body: PublishMessageRequestSchema,
        response: { 200: PublishMessageResponseSchema, 201: PublishMessageResponseSchema, 400: HttpErrorBodySchema, 404: HttpErrorBodySchema, ...serverErrors },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const stored = await publish(request.params.room_id, body.author, body.content, request.headers[IDEMPOTENCY_KEY_HEADER]);
      return reply.status(stored.duplicate ? 200 : 201).send({ message: toChatMessage(stored.message), duplicate: stored.duplicate });
    },
  );

  app.post(
    '/api/server/broadcast/',
    {
      preHandler: requireScope('publish'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Publish one message to many rooms',
        description: `Each room gets its own copy and seq, committed together; a room that refuses (missing, private) is reported in its result and does not stop the others. ${publishDescription}`,
        security: serverSecurity,
        headers: PublishHeadersSchema,
        body: BroadcastRequestSchema,
        response: { 200: BroadcastResponseSchema, 400: HttpErrorBodySchema, ...serverErrors },
      },
    },
    async (request): Promise<BroadcastResponse> => {
      const { room_ids, author, content } = request.body;
      const key = request.headers[IDEMPOTENCY_KEY_HEADER];
      // Appended at once: the appender's group commit puts them in one transaction.
      const settled = await Promise.allSettled(room_ids.map((roomId) => publish(roomId, author, content, key)));
      return {
        results: settled.map((outcome, i) => {
          const room_id = room_ids[i]!;
          if (outcome.status === 'fulfilled') return { room_id, ok: true, message: toChatMessage(outcome.value.message), duplicate: outcome.value.duplicate };
          if (outcome.reason instanceof ApiError) return { room_id, ok: false, error: outcome.reason.data };
          throw outcome.reason;
        }),
      };
    },
  );
};
