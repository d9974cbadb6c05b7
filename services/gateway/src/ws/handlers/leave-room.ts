import type { LeaveRoomMessage } from '@parley/protocol';
import type { GatewayContext } from '../../context.js';
import type { Connection } from '../connection.js';

/** `leave_room` → `room_left` (also when the connection was not a member: leaving is idempotent). */
export function handleLeaveRoom({ rooms }: GatewayContext, conn: Connection, message: LeaveRoomMessage): void {
  rooms.leave(conn, message.data.room_id);
  conn.sendFrame('system_message', { action: 'room_left', room_id: message.data.room_id });
}
