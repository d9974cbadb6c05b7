import { HttpErrorBodySchema, MessagesPageSchema, MessagesQuerySchema, RoomParamsSchema, toChatMessage } from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import { toStoredMessage } from './messages.mapper.js';
import { historyPage } from './messages.repository.js';

export const messageRoutes: FastifyPluginAsyncZod<ApiDeps & { rooms: RoomsService }> = async (app, { db, rooms }) => {
  app.get(
    '/api/rooms/:room_id/messages/',
    {
      schema: {
        tags: ['messages'],
        summary: 'A page of a room’s history, by seq',
        params: RoomParamsSchema,
        querystring: MessagesQuerySchema,
        response: { 200: MessagesPageSchema, 400: HttpErrorBodySchema, 404: HttpErrorBodySchema },
      },
    },
    async (request) => {
      await rooms.require(request.params.room_id);
      const { limit, before_seq, after_seq } = request.query;
      const page = await historyPage(db, { roomId: request.params.room_id, limit, beforeSeq: before_seq, afterSeq: after_seq });
      // Public form: a session id resumes a session, so it never leaves the API in history.
      const messages = page.rows.map((row) => toChatMessage(toStoredMessage(row))).sort((a, b) => a.seq - b.seq);
      const oldest = messages[0]?.seq;
      return {
        messages,
        has_more: page.hasMore,
        next_before_seq: page.hasMore && after_seq === undefined && oldest !== undefined ? oldest : null,
      };
    },
  );
};
