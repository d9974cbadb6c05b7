import { subjects } from '@parley/bus';
import {
  AddMemberRequestSchema,
  CreateRoomRequestSchema,
  HttpErrorBodySchema,
  JoinRoomRequestSchema,
  JoinRoomResponseSchema,
  LeaveRoomRequestSchema,
  LeaveRoomResponseSchema,
  ListMembersResponseSchema,
  ListRoomsQuerySchema,
  ListRoomsResponseSchema,
  MemberParamsSchema,
  RoomMemberSchema,
  RoomParamsSchema,
  RoomPresenceResponseSchema,
  RoomSchema,
  UpdateMemberRequestSchema,
} from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../http/api-error.js';
import type { RoomsService } from './rooms.service.js';

const errors = { 400: HttpErrorBodySchema, 401: HttpErrorBodySchema, 403: HttpErrorBodySchema, 404: HttpErrorBodySchema };

export const roomRoutes: FastifyPluginAsyncZod<ApiDeps & { rooms: RoomsService }> = async (app, { rooms, bus, config }) => {
  app.get(
    '/api/rooms/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'List rooms: every public room, and the private rooms the caller is a member of',
        querystring: ListRoomsQuerySchema,
        response: { 200: ListRoomsResponseSchema, 400: HttpErrorBodySchema, 401: HttpErrorBodySchema },
      },
    },
    (request) => rooms.list(request.query, request.caller),
  );

  app.post(
    '/api/rooms/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Create a room (the caller becomes its owner), or get the direct room of two users',
        description:
          'A named room: 201, or 409 when the id is taken. `{type: "direct", user_ids: [a, b]}` (the caller being a or b): ' +
          'the one private room of that pair, 201 when created, 200 when it existed.',
        body: CreateRoomRequestSchema,
        response: { 200: RoomSchema, 201: RoomSchema, ...errors, 409: HttpErrorBodySchema },
      },
    },
    async (request, reply) => {
      const { room, created } = await rooms.create(request.body, request.caller);
      return reply.status(created ? 201 : 200).send(room);
    },
  );

  app.get(
    '/api/rooms/:room_id/',
    { schema: { tags: ['rooms'], summary: 'One room', params: RoomParamsSchema, response: { 200: RoomSchema, ...errors } } },
    (request) => rooms.get(request.params.room_id, request.caller),
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
    (request) => rooms.join(request.params.room_id, request.body.session_id, request.caller),
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
    (request) => rooms.leave(request.params.room_id, request.body.session_id, request.caller),
  );

  app.get(
    '/api/rooms/:room_id/presence/',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Who is online in a room',
        params: RoomParamsSchema,
        response: { 200: RoomPresenceResponseSchema, ...errors, 503: HttpErrorBodySchema },
      },
    },
    async (request) => {
      await rooms.visible(request.params.room_id, request.caller?.user_id);
      try {
        return await bus.request(subjects.presence.room, { room_id: request.params.room_id }, { timeoutMs: config.PRESENCE_TIMEOUT_MS });
      } catch {
        throw new ApiError('SERVICE_UNAVAILABLE', 'Presence is unavailable; try again shortly', { retryable: true });
      }
    },
  );

  app.get(
    '/api/rooms/:room_id/members/',
    {
      schema: {
        tags: ['members'],
        summary: 'A room’s members and their roles',
        params: RoomParamsSchema,
        response: { 200: ListMembersResponseSchema, ...errors },
      },
    },
    (request) => rooms.members(request.params.room_id, request.caller),
  );

  app.post(
    '/api/rooms/:room_id/members/',
    {
      schema: {
        tags: ['members'],
        summary: 'Add a member (owners and admins); 200 when already a member',
        params: RoomParamsSchema,
        body: AddMemberRequestSchema,
        response: { 200: RoomMemberSchema, 201: RoomMemberSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { member, created } = await rooms.addMember(request.params.room_id, request.body, request.caller);
      return reply.status(created ? 201 : 200).send(member);
    },
  );

  app.patch(
    '/api/rooms/:room_id/members/:user_id/',
    {
      schema: {
        tags: ['members'],
        summary: 'Change a member’s role (owners and admins)',
        params: MemberParamsSchema,
        body: UpdateMemberRequestSchema,
        response: { 200: RoomMemberSchema, ...errors },
      },
    },
    (request) => rooms.setRole(request.params.room_id, request.params.user_id, request.body.role, request.caller),
  );

  app.delete(
    '/api/rooms/:room_id/members/:user_id/',
    {
      schema: {
        tags: ['members'],
        summary: 'Remove a member (owners and admins, or a member removing themself); their sockets leave the room at once',
        params: MemberParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await rooms.removeMember(request.params.room_id, request.params.user_id, request.caller);
      return reply.status(204).send(null);
    },
  );
};
