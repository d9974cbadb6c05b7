import { subjects } from '@parley/bus';
import { errorData, type ErrorData, type JoinRoomMessage } from '@parley/protocol';
import { RoomStream } from '../../rooms/room-stream.js';
import type { Connection } from '../connection.js';
import { busFailure, reportFailure, withDetails } from '../errors.js';

export type JoinOutcome =
  | { readonly ok: true; readonly stream: RoomStream; readonly lastSeq: number; readonly fresh: boolean }
  | { readonly ok: false; readonly error: ErrorData };

/**
 * Makes `conn` a member of `roomId`: checks the rooms cap, subscribes the gateway to the room
 * (first local member), then asks the API whether the room exists and may be entered. Order
 * matters: the subscription is live before the room's `last_seq` is read, so nothing committed
 * after that read can be missed. The new stream holds live frames until the caller `start`s it
 * (after `room_joined` or the welcome went out). Already a member: only the access check runs.
 */
export async function joinRoom(conn: Connection, roomId: string): Promise<JoinOutcome> {
  const { ctx } = conn;
  const existing = conn.rooms?.get(roomId);
  const cap = ctx.config.WS_ROOMS_PER_CONNECTION;
  if (!existing && (conn.rooms?.size ?? 0) >= cap) {
    const issue = `A connection may be in at most ${cap} rooms; leave one first`;
    return { ok: false, error: errorData('PERMISSION_DENIED', 'Room limit reached', { field: 'room_id', issue, limit: cap }) };
  }
  const stream = existing ?? new RoomStream(roomId, conn, ctx.catchUp);
  if (!existing) {
    (conn.rooms ??= new Map()).set(roomId, stream);
    try {
      await ctx.rooms.add(roomId, conn);
    } catch (err) {
      ctx.logger.warn({ err, room_id: roomId }, 'could not subscribe to a room');
      drop(conn, roomId);
      return { ok: false, error: busFailure(err, 'Room delivery') };
    }
  }
  try {
    const access = await ctx.bus.request(
      subjects.api.roomAccess,
      { room_id: roomId, session_id: conn.sessionId },
      { timeoutMs: ctx.config.API_TIMEOUT_MS },
    );
    if (!access.allowed) {
      // Also when already in the room: a member removed through a gateway that missed the news.
      if (existing) ctx.presence.leave(conn, roomId);
      drop(conn, roomId);
      return { ok: false, error: errorData('PERMISSION_DENIED', `You may not enter room '${roomId}'`, { field: 'room_id' }) };
    }
    // Left (or removed) while the answer was on its way: that stands.
    if (conn.rooms?.get(roomId) !== stream) {
      return { ok: false, error: errorData('PERMISSION_DENIED', `You are no longer in room '${roomId}'`, { field: 'room_id' }) };
    }
    if (!existing && conn.isOpen()) ctx.presence.join(conn, roomId);
    return { ok: true, stream, lastSeq: access.last_seq, fresh: !existing };
  } catch (err) {
    if (!existing) drop(conn, roomId);
    return { ok: false, error: busFailure(err, 'The room directory') };
  }
}

function drop(conn: Connection, roomId: string): void {
  conn.rooms?.get(roomId)?.stop();
  conn.rooms?.delete(roomId);
  conn.ctx.rooms.remove(roomId, conn);
}

/** Announces a successful join and starts delivery (replaying from `sinceSeq` when given). */
export function announceJoin(conn: Connection, roomId: string, outcome: JoinOutcome & { ok: true }, sinceSeq?: number): void {
  conn.sendFrame('system_message', { action: 'room_joined', room_id: roomId, last_seq: outcome.lastSeq });
  if (outcome.fresh || sinceSeq !== undefined) outcome.stream.start(outcome.lastSeq, sinceSeq);
}

/** `join_room` → `room_joined` {room_id, last_seq}, then any replay after `since_seq`, then live traffic. */
export async function handleJoinRoom(conn: Connection, message: JoinRoomMessage): Promise<void> {
  const { room_id, since_seq } = message.data;
  const outcome = await joinRoom(conn, room_id);
  if (!conn.isOpen()) return;
  if (!outcome.ok) return reportFailure(conn, withDetails(outcome.error, { room_id }));
  announceJoin(conn, room_id, outcome, since_seq);
}
