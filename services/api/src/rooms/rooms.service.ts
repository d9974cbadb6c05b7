import { subjects, type Bus } from '@parley/bus';
import {
  DIRECT_ROOM_PREFIX,
  type AddMemberRequest,
  type CreateRoomRequest,
  type JoinRoomResponse,
  type LeaveRoomResponse,
  type ListMembersResponse,
  type ListRoomsQuery,
  type ListRoomsResponse,
  type Room,
  type RoomMember,
} from '@parley/protocol';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db.js';
import type { RoomMemberRow, RoomRow } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';
import { identified, type Caller } from '../http/caller.js';
import { isBanned } from '../moderation/moderation.repository.js';
import { activeSession } from '../sessions/sessions.service.js';
import { readPositions } from '../reads/reads.repository.js';
import { addMember, findMember, listMembers, removeMember, setRole } from './members.repository.js';
import type { PresenceCounts } from './presence-counts.js';
import { checkMembershipChange } from './roles.js';
import { directRoom, insertRoom, joinRoom, leaveRoom, listRooms, findRoom } from './rooms.repository.js';

export function toRoom(row: RoomRow, activeUsers: number): Room {
  return {
    room_id: row.room_id,
    name: row.name,
    description: row.description,
    category: row.category,
    active_users: activeUsers,
    created_at: row.created_at.toISOString(),
    visibility: row.visibility,
    type: row.type,
  };
}

export function toMember(row: RoomMemberRow): RoomMember {
  return { room_id: row.room_id, user_id: row.user_id, role: row.role, added_at: row.added_at.toISOString() };
}

export interface RoomsPolicy {
  /** Whether a caller identified by a session (a guest, not a token) or nobody may create rooms. */
  guestRoomCreation: boolean;
}

/**
 * Rooms and who may do what in them. One rule runs through every path (REST here, WebSocket via
 * {@link RoomsService.access}): a private room exists only for its members; to anyone else it is
 * ROOM_NOT_FOUND, exactly like a room that does not exist.
 */
export class RoomsService {
  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly presence: PresenceCounts,
    private readonly policy: RoomsPolicy,
  ) {}

  /** With an identified caller, each room carries the caller's `read_seq` and `unread`. */
  async list(query: ListRoomsQuery, caller: Caller | null): Promise<ListRoomsResponse> {
    const page = await listRooms(this.db, query, caller?.user_id);
    const ids = page.rooms.map((r) => r.room_id);
    // One statement for the whole page, beside the presence counts.
    const [counts, positions] = await Promise.all([this.presence.counts(ids), caller ? readPositions(this.db, caller.user_id, ids) : undefined]);
    return {
      rooms: page.rooms.map((r) => {
        const room = toRoom(r, counts[r.room_id] ?? 0);
        const position = positions?.get(r.room_id);
        return position ? { ...room, read_seq: position.read_seq, unread: position.unread } : room;
      }),
      pagination: {
        total: page.total,
        limit: query.limit,
        offset: query.offset,
        has_next: query.offset + page.rooms.length < page.total,
      },
    };
  }

  async get(roomId: string, caller: Caller | null): Promise<Room> {
    const row = await this.visible(roomId, caller?.user_id);
    const counts = await this.presence.counts([roomId]);
    return toRoom(row, counts[roomId] ?? 0);
  }

  /** A named room (the caller becomes its owner), or the one direct room of a pair (`created` false when it existed). */
  async create(request: CreateRoomRequest, caller: Caller | null): Promise<{ room: Room; created: boolean }> {
    if (caller?.via !== 'token' && !this.policy.guestRoomCreation) {
      throw new ApiError('PERMISSION_DENIED', 'Creating rooms needs a signed-in user on this server (Authorization: Bearer <jwt>)');
    }
    if (request.type === 'direct') return this.createDirect(request.user_ids, caller);
    if (request.visibility === 'private' && !caller) {
      throw new ApiError('AUTHENTICATION_ERROR', 'A private room needs an owner: identify yourself to create one');
    }
    const { room_id, name, description, category, visibility } = request;
    const row = await this.db.transaction().execute(async (tx) => {
      const inserted = await insertRoom(tx, { room_id, name, description, category, visibility, type: 'room' });
      if (inserted && caller) await addMember(tx, room_id, caller.user_id, 'owner');
      return inserted;
    });
    if (!row) throw new ApiError('CONFLICT', `Room '${request.room_id}' already exists`);
    return { room: toRoom(row, 0), created: true };
  }

  private async createDirect(userIds: readonly [string, string], caller: Caller | null): Promise<{ room: Room; created: boolean }> {
    const { user_id } = identified(caller);
    if (!userIds.includes(user_id)) throw new ApiError('PERMISSION_DENIED', 'A direct conversation must include you');
    const { row, created } = await directRoom(this.db, userIds, `${DIRECT_ROOM_PREFIX}${randomUUID().replaceAll('-', '')}`);
    const counts = created ? {} : await this.presence.counts([row.room_id]);
    return { room: toRoom(row, counts[row.room_id] ?? 0), created };
  }

  /**
   * Adds the session to the room and tells every gateway, so a live connection of that session
   * starts receiving the room at once. With a token, the session must be the caller's own.
   */
  async join(roomId: string, sessionId: string, caller: Caller | null): Promise<JoinRoomResponse> {
    const session = await this.ownSession(sessionId, caller);
    await this.visible(roomId, session.user_id);
    if (await isBanned(this.db, roomId, session.user_id)) throw new ApiError('PERMISSION_DENIED', 'You are banned from this room');
    const joinedAt = await joinRoom(this.db, roomId, sessionId);
    this.bus.publish(subjects.sessionControl, { session_id: sessionId, action: 'join', room_id: roomId });
    const activeUsers = await this.presence.countWith(roomId, session.user_id);
    return { room_id: roomId, session_id: sessionId, joined_at: joinedAt.toISOString(), active_users: activeUsers };
  }

  async leave(roomId: string, sessionId: string, caller: Caller | null): Promise<LeaveRoomResponse> {
    const session = await this.ownSession(sessionId, caller);
    await this.visible(roomId, session.user_id);
    await leaveRoom(this.db, roomId, sessionId);
    this.bus.publish(subjects.sessionControl, { session_id: sessionId, action: 'leave', room_id: roomId });
    const counts = await this.presence.counts([roomId]);
    return { room_id: roomId, session_id: sessionId, left_at: new Date().toISOString(), active_users: counts[roomId] ?? 0 };
  }

  async members(roomId: string, caller: Caller | null): Promise<ListMembersResponse> {
    await this.visible(roomId, caller?.user_id);
    return { room_id: roomId, members: (await listMembers(this.db, roomId)).map(toMember) };
  }

  async addMember(roomId: string, request: AddMemberRequest, caller: Caller | null): Promise<{ member: RoomMember; created: boolean }> {
    const { room, actorRole, actor } = await this.managed(roomId, caller);
    const target = await findMember(this.db, roomId, request.user_id);
    checkMembershipChange({ actor, actorRole, target: request.user_id, targetRole: target?.role, kind: 'add' });
    if (room.type === 'direct') throw new ApiError('PERMISSION_DENIED', 'A direct conversation has exactly its two members');
    const { member, created } = await addMember(this.db, roomId, request.user_id, request.role);
    return { member: toMember(member), created };
  }

  async setRole(roomId: string, userId: string, role: 'admin' | 'member', caller: Caller | null): Promise<RoomMember> {
    const { actorRole, actor } = await this.managed(roomId, caller);
    const target = await findMember(this.db, roomId, userId);
    if (!target) throw new ApiError('NOT_FOUND', `'${userId}' is not a member of this room`);
    checkMembershipChange({ actor, actorRole, target: userId, targetRole: target.role, kind: 'set_role' });
    const updated = await setRole(this.db, roomId, userId, role);
    if (!updated) throw new ApiError('NOT_FOUND', `'${userId}' is not a member of this room`);
    return toMember(updated);
  }

  /**
   * Removes the user (their membership and every session's subscription) and tells every
   * gateway, so each socket of theirs leaves the room at once.
   */
  async removeMember(roomId: string, userId: string, caller: Caller | null): Promise<void> {
    const { room, actorRole, actor } = await this.managed(roomId, caller);
    if (room.type === 'direct') throw new ApiError('PERMISSION_DENIED', 'A direct conversation keeps its two members');
    const target = await findMember(this.db, roomId, userId);
    checkMembershipChange({ actor, actorRole, target: userId, targetRole: target?.role, kind: 'remove' });
    await removeMember(this.db, roomId, userId);
    this.bus.publish(subjects.userControl, { user_id: userId, action: 'remove', room_id: roomId });
  }

  /** For a gateway: may this user enter the room (ROOM_NOT_FOUND when it does not exist; never when banned from it)? */
  async access(roomId: string, userId: string): Promise<{ room: RoomRow; allowed: boolean }> {
    const room = await this.require(roomId);
    if (await isBanned(this.db, roomId, userId)) return { room, allowed: false };
    return { room, allowed: room.visibility === 'public' || (await findMember(this.db, roomId, userId)) !== undefined };
  }

  /** The room if `userId` may see it: public, or private with `userId` a member; else ROOM_NOT_FOUND. */
  async visible(roomId: string, userId: string | undefined): Promise<RoomRow> {
    const room = await this.require(roomId);
    if (room.visibility === 'public') return room;
    if (userId !== undefined && (await findMember(this.db, roomId, userId))) return room;
    throw notFound(roomId);
  }

  async require(roomId: string): Promise<RoomRow> {
    const row = await findRoom(this.db, roomId);
    if (!row) throw notFound(roomId);
    return row;
  }

  /** The room and the caller's role in it, for a management action (the room must be visible to the caller). */
  private async managed(roomId: string, caller: Caller | null) {
    const { user_id: actor } = identified(caller);
    const room = await this.visible(roomId, actor);
    const actorRole = (await findMember(this.db, roomId, actor))?.role;
    return { room, actor, actorRole };
  }

  /** The session, which must be active and, for a token-identified caller, the caller's own. */
  private async ownSession(sessionId: string, caller: Caller | null) {
    const session = await activeSession(this.db, sessionId);
    if (caller?.via === 'token' && caller.user_id !== session.user_id) {
      throw new ApiError('PERMISSION_DENIED', 'You may only act for your own sessions');
    }
    return session;
  }
}

const notFound = (roomId: string) => new ApiError('ROOM_NOT_FOUND', `Room '${roomId}' does not exist`);
