import { subjects } from '@parley/bus';
import {
  CreateRoomRequestSchema,
  HttpErrorBodySchema,
  JoinRoomRequestSchema,
  JoinRoomResponseSchema,
  LeaveRoomRequestSchema,
  LeaveRoomResponseSchema,
  ListRoomsQuerySchema,
  ListRoomsResponseSchema,
  RoomParamsSchema,
  RoomPresenceResponseSchema,
  RoomSchema,
} from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../http/api-error.js';
import type { RoomsService } from './rooms.service.js';

const errors = { 400: HttpErrorBodySchema, 401: HttpErrorBodySchema, 404: HttpErrorBodySchema };

export const roomRoutes: FastifyPluginAsyncZod<ApiDeps & { rooms: RoomsService }> = async (app, { rooms, bus, config }) => {
  app.get(
    '/api/rooms/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'List rooms',
        querystring: ListRoomsQuerySchema,
        response: { 200: ListRoomsResponseSchema, 400: HttpErrorBodySchema },
      },
    },
    (request) => rooms.list(request.query),
  );

  app.post(
    '/api/rooms/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Create a room',
        body: CreateRoomRequestSchema,
        response: { 201: RoomSchema, 400: HttpErrorBodySchema, 409: HttpErrorBodySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await rooms.create(request.body)),
  );

  app.get(
    '/api/rooms/:room_id/',
    { schema: { tags: ['rooms'], summary: 'One room', params: RoomParamsSchema, response: { 200: RoomSchema, ...errors } } },
    (request) => rooms.get(request.params.room_id),
  );

  app.post(
    '/api/rooms/:room_id/join/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Join a room; a live connection of the session starts receiving it at once',
        params: RoomParamsSchema,
        body: JoinRoomRequestSchema,
        response: { 200: JoinRoomResponseSchema, ...errors },
      },
    },
    (request) => rooms.join(request.params.room_id, request.body.session_id),
  );

  app.post(
    '/api/rooms/:room_id/leave/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Leave a room',
        params: RoomParamsSchema,
        body: LeaveRoomRequestSchema,
        response: { 200: LeaveRoomResponseSchema, ...errors },
      },
    },
    (request) => rooms.leave(request.params.room_id, request.body.session_id),
  );

  app.get(
    '/api/rooms/:room_id/presence/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Who is online in a room',
        params: RoomParamsSchema,
        response: { 200: RoomPresenceResponseSchema, 404: HttpErrorBodySchema, 503: HttpErrorBodySchema },
      },
    },
    async (request) => {
      await rooms.require(request.params.room_id);
      try {
        return await bus.request(subjects.presence.room, { room_id: request.params.room_id }, { timeoutMs: config.PRESENCE_TIMEOUT_MS });
      } catch {
        throw new ApiError('SERVICE_UNAVAILABLE', 'Presence is unavailable; try again shortly', { retryable: true });
      }
    },
  );
};
