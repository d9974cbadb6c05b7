import { subjects, type Bus } from '@parley/bus';
import type { CreateRoomRequest, JoinRoomResponse, LeaveRoomResponse, ListRoomsQuery, ListRoomsResponse, Room } from '@parley/protocol';
import type { Db } from '../db/db.js';
import type { RoomRow } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';
import { activeSession } from '../sessions/sessions.service.js';
import type { PresenceCounts } from './presence-counts.js';
import { findRoom, insertRoom, joinRoom, leaveRoom, listRooms } from './rooms.repository.js';

export function toRoom(row: RoomRow, activeUsers: number): Room {
  return {
    room_id: row.room_id,
    name: row.name,
    description: row.description,
    category: row.category,
    active_users: activeUsers,
    created_at: row.created_at.toISOString(),
    visibility: 'public',
    type: 'room',
  };
}

export class RoomsService {
  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly presence: PresenceCounts,
  ) {}

  async list(query: ListRoomsQuery): Promise<ListRoomsResponse> {
    const page = await listRooms(this.db, query);
    const counts = await this.presence.counts(page.rooms.map((r) => r.room_id));
    return {
      rooms: page.rooms.map((r) => toRoom(r, counts[r.room_id] ?? 0)),
      pagination: {
        total: page.total,
        limit: query.limit,
        offset: query.offset,
        has_next: query.offset + page.rooms.length < page.total,
      },
    };
  }

  async get(roomId: string): Promise<Room> {
    const row = await this.require(roomId);
    const counts = await this.presence.counts([roomId]);
    return toRoom(row, counts[roomId] ?? 0);
  }

  async create(request: CreateRoomRequest): Promise<Room> {
    if (request.type === 'direct') throw new ApiError('VALIDATION_ERROR', 'Direct rooms are not available yet');
    const { room_id, name, description, category } = request;
    const row = await insertRoom(this.db, { room_id, name, description, category });
    if (!row) throw new ApiError('CONFLICT', `Room '${request.room_id}' already exists`);
    return toRoom(row, 0);
  }

  /**
   * Adds the session to the room and tells every gateway, so a live connection of that
   * session starts receiving the room at once.
   */
  async join(roomId: string, sessionId: string): Promise<JoinRoomResponse> {
    await this.require(roomId);
    await activeSession(this.db, sessionId);
    const joinedAt = await joinRoom(this.db, roomId, sessionId);
    this.bus.publish(subjects.sessionControl, { session_id: sessionId, action: 'join', room_id: roomId });
    const counts = await this.presence.counts([roomId]);
    return { room_id: roomId, session_id: sessionId, joined_at: joinedAt.toISOString(), active_users: counts[roomId] ?? 0 };
  }

  async leave(roomId: string, sessionId: string): Promise<LeaveRoomResponse> {
    await this.require(roomId);
    await activeSession(this.db, sessionId);
    await leaveRoom(this.db, roomId, sessionId);
    this.bus.publish(subjects.sessionControl, { session_id: sessionId, action: 'leave', room_id: roomId });
    const counts = await this.presence.counts([roomId]);
    return { room_id: roomId, session_id: sessionId, left_at: new Date().toISOString(), active_users: counts[roomId] ?? 0 };
  }

  async require(roomId: string): Promise<RoomRow> {
    const row = await findRoom(this.db, roomId);
    if (!row) throw new ApiError('ROOM_NOT_FOUND', `Room '${roomId}' does not exist`);
    return row;
  }
}
