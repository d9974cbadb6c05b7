import { subjects } from '@parley/bus';
import type { TypingMessage } from '@parley/protocol';
import type { GatewayContext } from '../../context.js';
import type { Connection } from '../connection.js';

/**
 * `typing` → `user_typing` to the room's other members, through the room's subject (they may be
 * on other gateways). Never stored, never answered: a frame past the typing limit is dropped
 * silently. Only in a room this socket has joined (anything else would tell a private room's
 * members about an outsider). Runs at once, outside the connection's queue, so it neither waits
 * behind appends nor delays them.
 */
export function handleTyping(ctx: GatewayContext, conn: Connection, message: TypingMessage, now: number): void {
  const { room_id } = message.data;
  if (!ctx.typing.admit(conn, room_id, now)) return;
  if (conn.rooms?.get(room_id)?.admitted !== true) {
    return conn.sendError('PERMISSION_DENIED', `Join room '${room_id}' before typing in it`, { field: 'room_id', room_id });
  }
  try {
    ctx.bus.publish(subjects.chatRoom(room_id), { kind: 'typing', room_id, user_id: conn.userId, at: now });
  } catch (err) {
    ctx.logger.debug({ err, room_id }, 'typing not published');
  }
}
