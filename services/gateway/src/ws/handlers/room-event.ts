import { subjects } from '@parley/bus';
import {
  codePointLength,
  type AddReaction,
  type AppendEventRequest,
  type DeleteMessage,
  type EditMessage,
  type ErrorDetails,
  type RemoveReaction,
} from '@parley/protocol';
import type { GatewayContext } from '../../context.js';
import type { Connection } from '../connection.js';
import { busFailure, reportFailure, withDetails } from '../errors.js';

export type EventFrame = EditMessage | DeleteMessage | AddReaction | RemoveReaction;

/** Each client frame and the durable event it asks for. */
const EVENT_OF = {
  edit_message: 'message_edited',
  delete_message: 'message_deleted',
  add_reaction: 'reaction_added',
  remove_reaction: 'reaction_removed',
} as const;

/**
 * `edit_message`, `delete_message`, `add_reaction`, `remove_reaction`: stored through the API as
 * the connection's user (who may do what is judged there, in the append's transaction) and
 * acknowledged with `event_ack` only once the API replied, i.e. after the commit. Like a
 * `text_message`, a room the connection has not joined is joined first; the event itself comes
 * back to every member (the sender included) over the room's subject, with its `seq`.
 */
export async function handleRoomEvent(ctx: GatewayContext, conn: Connection, frame: EventFrame): Promise<void> {
  const { room_id, message_id, client_msg_id = null } = frame.data;
  const about: ErrorDetails = client_msg_id === null ? { room_id } : { room_id, client_msg_id };

  if (frame.type === 'edit_message' && codePointLength(frame.data.content) > ctx.config.WS_MAX_CONTENT_CHARS) {
    const issue = `Message content must be at most ${ctx.config.WS_MAX_CONTENT_CHARS} characters`;
    return conn.sendError('VALIDATION_ERROR', 'Invalid message format', { field: 'content', issue, ...about });
  }
  if (!conn.rooms?.has(room_id)) {
    const joined = await ctx.rooms.join(conn, room_id);
    if (!conn.isOpen()) return;
    if (!joined.ok) return reportFailure(conn, withDetails(joined.error, about));
    ctx.rooms.announce(conn, room_id, joined);
  }

  const who = { room_id, message_id, client_msg_id, session_id: conn.sessionId, user_id: conn.userId };
  const request: AppendEventRequest =
    frame.type === 'edit_message'
      ? { ...who, type: 'message_edited', content: frame.data.content }
      : frame.type === 'delete_message'
        ? { ...who, type: 'message_deleted' }
        : { ...who, type: EVENT_OF[frame.type], emoji: frame.data.emoji };
  let reply;
  try {
    reply = await ctx.bus.request(subjects.api.appendEvent, request, { timeoutMs: ctx.config.API_TIMEOUT_MS });
  } catch (err) {
    ctx.logger.debug({ err, conn_id: conn.id, room_id }, 'event append failed');
    return reportFailure(conn, withDetails(busFailure(err, 'The message store'), about));
  }
  const { type, data } = reply.event;
  conn.sendFrame('event_ack', {
    client_msg_id,
    type,
    event_id: data.event_id,
    message_id: data.message_id,
    seq: data.seq,
    room_id,
    duplicate: reply.duplicate,
  });
}
