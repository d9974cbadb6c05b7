import { EventsPageSchema, EventsQuerySchema, HttpErrorBodySchema, MessagesPageSchema, MessagesQuerySchema, RoomParamsSchema } from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import type { MessageAppender } from './append.js';
import { readHistory, readLog } from './history.js';

/** `appender` is the one the bus endpoints use: a REST append (the server API) commits and publishes the same way. */
export const messageRoutes: FastifyPluginAsyncZod<ApiDeps & { rooms: RoomsService; appender: MessageAppender }> = async (app, { db, rooms }) => {
  app.get(
    '/api/rooms/:room_id/messages/',
    {
      schema: {
        tags: ['messages'],
        summary: 'A page of a room’s messages in their current state, by seq',
        description:
          'Each message as it is now: edited content with `edited_at`, a deleted one as a tombstone (`deleted_at`, empty content, no reactions), reaction counts with `me` for the caller. `state_seq` is the seq of the last event the state reflects: replaying the log (`/events/`) applies only later events to it.',
        params: RoomParamsSchema,
        querystring: MessagesQuerySchema,
        response: { 200: MessagesPageSchema, 400: HttpErrorBodySchema, 401: HttpErrorBodySchema, 404: HttpErrorBodySchema },
      },
    },
    async (request) => {
      await rooms.visible(request.params.room_id, request.caller?.user_id);
      const { limit, before_seq, after_seq } = request.query;
      return readHistory(db, { roomId: request.params.room_id, limit, beforeSeq: before_seq, afterSeq: after_seq, readerId: request.caller?.user_id });
    },
  );

  app.get(
    '/api/rooms/:room_id/events/',
    {
      schema: {
        tags: ['messages'],
        summary: 'A page of a room’s log: messages and durable events, by seq',
        description:
          'Every entry after `since_seq`, oldest first, with no holes: `text_message` (the message in its current state), `message_edited`, `message_deleted`, `reaction_added`, `reaction_removed`, each with its `seq` — the frames a socket receives live. With `has_more`, continue with `since_seq` = the last entry’s seq.',
        params: RoomParamsSchema,
        querystring: EventsQuerySchema,
        response: { 200: EventsPageSchema, 400: HttpErrorBodySchema, 401: HttpErrorBodySchema, 404: HttpErrorBodySchema },
      },
    },
    async (request) => {
      await rooms.visible(request.params.room_id, request.caller?.user_id);
      return readLog(db, request.params.room_id, request.query.since_seq, request.query.limit);
    },
  );
};
