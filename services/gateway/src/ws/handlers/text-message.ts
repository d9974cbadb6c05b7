import { subjects } from '@parley/bus';
import { codePointLength, type ClientTextMessage, type ErrorDetails } from '@parley/protocol';
import type { GatewayContext } from '../../context.js';
import type { Connection } from '../connection.js';
import { busFailure, reportFailure, withDetails } from '../errors.js';

/**
 * `text_message`: checked (the sender's identity, the content limit in force), the room joined if
 * it was not (the seed's clients never join explicitly), stored through the API, and acknowledged
 * with `message_ack` only once the API replied, i.e. after the commit. The broadcast to members
 * (the sender included) comes back from the API over the room's subject, like everyone else's.
 * `receivedAt` (performance.now() at frame arrival) feeds the send→ack latency histogram.
 */
export async function handleTextMessage(ctx: GatewayContext, conn: Connection, message: ClientTextMessage, receivedAt: number): Promise<void> {
  const { room_id, content, user_id, client_msg_id = null } = message.data;
  const about: ErrorDetails = client_msg_id === null ? { room_id } : { room_id, client_msg_id };

  if (user_id !== undefined && user_id !== conn.userId) {
    const issue = 'user_id must be the authenticated user (or omitted)';
    return conn.sendError('PERMISSION_DENIED', 'You may only send messages as yourself', { field: 'user_id', issue, ...about });
  }
  const max = ctx.config.WS_MAX_CONTENT_CHARS;
  if (codePointLength(content) > max) {
    const issue = `Message content must be at most ${max} characters`;
    return conn.sendError('VALIDATION_ERROR', 'Invalid message format', { field: 'content', issue, ...about });
  }

  if (!conn.rooms?.has(room_id)) {
    const joined = await ctx.rooms.join(conn, room_id);
    if (!conn.isOpen()) return;
    if (!joined.ok) return reportFailure(conn, withDetails(joined.error, about));
    ctx.rooms.announce(conn, room_id, joined);
  }

  let reply;
  try {
    reply = await ctx.bus.request(
      subjects.api.appendMessage,
      { room_id, session_id: conn.sessionId, user_id: conn.userId, content, client_msg_id },
      { timeoutMs: ctx.config.API_TIMEOUT_MS },
    );
  } catch (err) {
    ctx.logger.debug({ err, conn_id: conn.id, room_id }, 'append failed');
    return reportFailure(conn, withDetails(busFailure(err, 'The message store'), about));
  }
  const { message_id, seq } = reply.message;
  conn.sendFrame('message_ack', { client_msg_id, message_id, seq, room_id, duplicate: reply.duplicate });
  ctx.metrics.ackLatency.observe((performance.now() - receivedAt) / 1_000);
}
