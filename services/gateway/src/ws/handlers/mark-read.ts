import { subjects } from '@parley/bus';
import type { MarkReadMessage } from '@parley/protocol';
import type { GatewayContext } from '../../context.js';
import type { Connection } from '../connection.js';
import { busFailure, reportFailure, withDetails } from '../errors.js';

/**
 * `mark_read` → `read_ack` {room_id, read_seq, unread}: the API moves the user's read position
 * forward (never back, never past the room's head) in any room the user may enter, joined on this
 * socket or not, and tells the room's other members (`read_receipt`, from the room's subject).
 */
export async function handleMarkRead(ctx: GatewayContext, conn: Connection, message: MarkReadMessage): Promise<void> {
  const { room_id, seq } = message.data;
  try {
    const position = await ctx.bus.request(subjects.api.markRead, { room_id, session_id: conn.sessionId, seq }, { timeoutMs: ctx.config.API_TIMEOUT_MS });
    if (conn.isOpen()) conn.sendFrame('read_ack', position);
  } catch (err) {
    reportFailure(conn, withDetails(busFailure(err, 'The read position store'), { room_id }));
  }
}
