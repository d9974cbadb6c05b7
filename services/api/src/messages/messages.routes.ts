import { HttpErrorBodySchema, MessagesPageSchema, MessagesQuerySchema, RoomParamsSchema } from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import type { MessageAppender } from './append.js';
import { readHistory } from './history.js';

/** `appender` is the one the bus endpoints use: a REST append (the server API) commits and publishes the same way. */
export const messageRoutes: FastifyPluginAsyncZod<ApiDeps & { rooms: RoomsService; appender: MessageAppender }> = async (app, { db, rooms }) => {
  app.get(
    '/api/rooms/:room_id/messages/',
    {
      schema: {
        tags: ['messages'],
        summary: 'A page of a room’s history, by seq',
        params: RoomParamsSchema,
        querystring: MessagesQuerySchema,
        response: { 200: MessagesPageSchema, 400: HttpErrorBodySchema, 401: HttpErrorBodySchema, 404: HttpErrorBodySchema },
      },
    },
    async (request) => {
      await rooms.visible(request.params.room_id, request.caller?.user_id);
      const { limit, before_seq, after_seq } = request.query;
      return readHistory(db, { roomId: request.params.room_id, limit, beforeSeq: before_seq, afterSeq: after_seq });
    },
  );
};
