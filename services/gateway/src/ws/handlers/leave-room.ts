import type { LeaveRoomMessage } from '@parley/protocol';
import type { Connection } from '../connection.js';

/** Ends `conn`'s membership of `roomId`; false when it was not a member. */
export function leaveRoom(conn: Connection, roomId: string): boolean {
  const stream = conn.rooms?.get(roomId);
  if (!stream || !conn.rooms) return false;
  stream.stop();
  conn.rooms.delete(roomId);
  conn.ctx.rooms.remove(roomId, conn);
  conn.ctx.presence.leave(conn, roomId);
  return true;
}

/** `leave_room` → `room_left` (also when the connection was not a member: leaving is idempotent). */
export function handleLeaveRoom(conn: Connection, message: LeaveRoomMessage): void {
  leaveRoom(conn, message.data.room_id);
  conn.sendFrame('system_message', { action: 'room_left', room_id: message.data.room_id });
}
