import { HttpErrorBodySchema, MarkReadRequestSchema, MarkReadResponseSchema, RoomParamsSchema } from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { identified } from '../http/caller.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import type { ReadsService } from './reads.service.js';

export const readRoutes: FastifyPluginAsyncZod<{ rooms: RoomsService; reads: ReadsService }> = async (app, { rooms, reads }) => {
  app.put(
    '/api/rooms/:room_id/read/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Move the caller’s read position in a room forward',
        description:
          'Sets the caller’s `read_seq` to `seq` unless it is already higher (it never moves back), capped at the room’s last seq. ' +
          'Answers with the position after it and the unread count (other users’ messages after `read_seq` that are not deleted, up to 10,000). ' +
          'The room’s other members may get a `read_receipt` (rooms with up to READ_RECEIPTS_MAX_MEMBERS users online).',
        params: RoomParamsSchema,
        body: MarkReadRequestSchema,
        response: { 200: MarkReadResponseSchema, 400: HttpErrorBodySchema, 401: HttpErrorBodySchema, 404: HttpErrorBodySchema },
      },
    },
    async (request) => {
      const { user_id } = identified(request.caller);
      await rooms.visible(request.params.room_id, user_id);
      return reads.markRead(request.params.room_id, user_id, request.body.seq);
    },
  );
};
