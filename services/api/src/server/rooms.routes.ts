import { subjects } from '@parley/bus';
import {
  HttpErrorBodySchema,
  ListMembersResponseSchema,
  MemberParamsSchema,
  RoomMemberSchema,
  RoomParamsSchema,
  RoomSchema,
  ServerCreateRoomRequestSchema,
  ServerPutMemberRequestSchema,
  ServerUpdateRoomRequestSchema,
} from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../http/api-error.js';
import { addMember, findMember, listMembers, removeMember, setRole } from '../rooms/members.repository.js';
import { insertRoom, setVisibility } from '../rooms/rooms.repository.js';
import { audit } from '../moderation/moderation.repository.js';
import { toMember, toRoom, type RoomsService } from '../rooms/rooms.service.js';
import { requireScope } from './key-auth.js';
import { SERVER_API_TAG, serverErrors, serverSecurity } from './keys.routes.js';

const errors = { 400: HttpErrorBodySchema, 404: HttpErrorBodySchema, ...serverErrors };

/**
 * Rooms and members managed by the backend: it acts above every role (it is not a member), but a
 * room keeps its owner, and a direct room its two members.
 */
export const serverRoomRoutes: FastifyPluginAsyncZod<ApiDeps & { rooms: RoomsService }> = async (app, { db, bus, rooms, config }) => {
  const managed = async (roomId: string) => {
    const room = await rooms.require(roomId);
    if (room.type === 'direct') throw new ApiError('PERMISSION_DENIED', 'A direct conversation keeps its two members and stays private');
    return room;
  };
  const notOwner = async (roomId: string, userId: string) => {
    const member = await findMember(db, roomId, userId);
    if (member?.role === 'owner') throw new ApiError('PERMISSION_DENIED', 'A room keeps its owner');
    return member;
  };

  app.post(
    '/api/server/rooms/',
    {
      preHandler: requireScope('admin'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Create a named room, with an optional owner',
        security: serverSecurity,
        body: ServerCreateRoomRequestSchema,
        response: { 201: RoomSchema, ...errors, 409: HttpErrorBodySchema },
      },
    },
    async (request, reply) => {
      const { owner, ...room } = request.body;
      const row = await db.transaction().execute(async (tx) => {
        const inserted = await insertRoom(tx, { ...room, type: 'room' });
        if (inserted && owner !== undefined) await addMember(tx, room.room_id, owner, 'owner');
        return inserted;
      });
      if (!row) throw new ApiError('CONFLICT', `Room '${room.room_id}' already exists`);
      return reply.status(201).send(toRoom(row, 0));
    },
  );

  app.patch(
    '/api/server/rooms/:room_id/',
    {
      preHandler: requireScope('admin'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Make a room private or public',
        description: 'Made private, the room exists only for its members: sockets of anyone else online in it leave it at once.',
        security: serverSecurity,
        params: RoomParamsSchema,
        body: ServerUpdateRoomRequestSchema,
        response: { 200: RoomSchema, ...errors },
      },
    },
    async (request) => {
      const { room_id } = request.params;
      await managed(room_id);
      const row = (await setVisibility(db, room_id, request.body.visibility))!;
      if (row.visibility === 'private') await evictNonMembers(room_id);
      return toRoom(row, 0);
    },
  );

  /** Everyone presence sees in the room who is not a member leaves it (the append path refuses them anyway). */
  const evictNonMembers = async (roomId: string) => {
    const members = new Set((await listMembers(db, roomId)).map((m) => m.user_id));
    const online = await bus
      .request(subjects.presence.room, { room_id: roomId }, { timeoutMs: config.PRESENCE_TIMEOUT_MS })
      .catch(() => ({ users: [] as string[] }));
    for (const userId of online.users) if (!members.has(userId)) bus.publish(subjects.userControl, { user_id: userId, action: 'remove', room_id: roomId });
  };

  app.get(
    '/api/server/rooms/:room_id/members/',
    {
      preHandler: requireScope('read'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'A room’s members and roles',
        security: serverSecurity,
        params: RoomParamsSchema,
        response: { 200: ListMembersResponseSchema, ...errors },
      },
    },
    async (request) => {
      await rooms.require(request.params.room_id);
      return { room_id: request.params.room_id, members: (await listMembers(db, request.params.room_id)).map(toMember) };
    },
  );

  app.put(
    '/api/server/rooms/:room_id/members/:user_id/',
    {
      preHandler: requireScope('admin'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Add a member, or set their role (admin or member)',
        security: serverSecurity,
        params: MemberParamsSchema,
        body: ServerPutMemberRequestSchema,
        response: { 200: RoomMemberSchema, 201: RoomMemberSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { room_id, user_id } = request.params;
      await managed(room_id);
      await notOwner(room_id, user_id);
      const { member, created } = await addMember(db, room_id, user_id, request.body.role);
      if (created) return reply.status(201).send(toMember(member));
      return toMember((await setRole(db, room_id, user_id, request.body.role)) ?? member);
    },
  );

  app.delete(
    '/api/server/rooms/:room_id/members/:user_id/',
    {
      preHandler: requireScope('moderate'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Remove a user from a room',
        description:
          'Their membership goes, no session of theirs rejoins it on reconnect, and every socket of theirs leaves it at once, on every gateway. ' +
          'A public room lets them join again: ban them to keep them out.',
        security: serverSecurity,
        params: MemberParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { room_id, user_id } = request.params;
      await managed(room_id);
      await notOwner(room_id, user_id);
      await removeMember(db, room_id, user_id);
      await audit(db, { actor: `key:${request.apiKey!.key_id}`, action: 'remove_member', room_id, target_user_id: user_id });
      bus.publish(subjects.userControl, { user_id, action: 'remove', room_id });
      return reply.status(204).send(null);
    },
  );
};
