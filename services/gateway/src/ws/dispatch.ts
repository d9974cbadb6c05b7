import { trace } from '@opentelemetry/api';
import { CLOSE_CODES, EVENT_FRAME_TYPES, INVALID_MESSAGE_FORMAT, parseClientFrame, type ClientMessage } from '@parley/protocol';
import type { GatewayContext } from '../context.js';
import { takeAll } from '../limits/token-bucket.js';
import type { Connection, RawData } from './connection.js';
import { handleHeartbeat } from './handlers/heartbeat.js';
import { handleJoinRoom } from './handlers/join-room.js';
import { handleLeaveRoom } from './handlers/leave-room.js';
import { handleMarkRead } from './handlers/mark-read.js';
import { handleRefresh } from './handlers/refresh.js';
import { handleRoomEvent, type EventFrame } from './handlers/room-event.js';
import { handleTextMessage } from './handlers/text-message.js';
import { handleTyping } from './handlers/typing.js';

const tracer = trace.getTracer('@parley/gateway');

/**
 * Every inbound frame: rate limit (per connection and per user; sustained abuse closes with 4429),
 * then binary refusal, then `parseClientFrame` (depth, JSON, type, schema). A bad frame is
 * answered with an `error` naming the field and the connection stays open; a good one goes to its
 * handler on the connection's queue. Oversized frames (1009), invalid UTF-8 (1007) and too many
 * fragments (1008) never get here: `ws` closes those itself.
 */
export function onFrame(ctx: GatewayContext, conn: Connection, data: RawData, isBinary: boolean): void {
  try {
    receive(ctx, conn, data, isBinary);
  } catch (err) {
    // A throw here would escape into ws's socket handler and take the process down.
    ctx.logger.error({ err, conn_id: conn.id }, 'frame handling failed');
  }
}

function receive(ctx: GatewayContext, conn: Connection, data: RawData, isBinary: boolean): void {
  const now = Date.now();
  conn.touch(now);
  if (!conn.isOpen() && !conn.isIdentifying()) return;

  // Parsed before the rate limit so that typing can take its own bucket: a typing flood never
  // spends chat tokens (a rate-limited frame was parsed anyway, to name the refused send).
  const parsed = isBinary ? undefined : parseClientFrame(toText(data), ctx.limits);
  if (parsed?.ok && parsed.message.type === 'typing') {
    if (!conn.isOpen()) return;
    ctx.metrics.framesIn.inc({ outcome: 'accepted' });
    ctx.counters.framesAccepted++;
    return handleTyping(ctx, conn, parsed.message, now);
  }
  const wait = takeAll(conn.userBucket ? [conn.bucket, conn.userBucket] : [conn.bucket], now);
  if (wait > 0) {
    ctx.metrics.framesIn.inc({ outcome: 'rate_limited' });
    if (conn.strike(now)) return;
    const about = parsed?.ok ? sendOf(parsed.message) : {};
    return answer(conn, () => conn.sendError('RATE_LIMIT_EXCEEDED', 'Too many messages; slow down', { retry_after_ms: wait, ...about }));
  }
  if (!parsed) {
    ctx.metrics.framesIn.inc({ outcome: 'invalid' });
    const issue = 'Binary frames are not supported; send JSON text frames';
    return answer(conn, () => conn.sendError('VALIDATION_ERROR', INVALID_MESSAGE_FORMAT, { field: '$', issue }));
  }
  if (!parsed.ok) {
    ctx.metrics.framesIn.inc({ outcome: 'invalid' });
    return answer(conn, () => conn.sendError(parsed.error));
  }
  ctx.metrics.framesIn.inc({ outcome: 'accepted' });
  ctx.counters.framesAccepted++;
  const message = parsed.message;
  // Heartbeats and refreshes skip the queue: a slow store must not make a live connection look
  // dead, nor let its token lapse while a refresh waits behind appends.
  if (message.type === 'heartbeat' && conn.isOpen()) return handleHeartbeat(conn, message);
  if (message.type === 'refresh' && conn.isOpen()) {
    handleRefresh(ctx, conn, message).catch((err: unknown) => ctx.logger.error({ err, conn_id: conn.id }, 'refresh failed'));
    return;
  }
  const receivedAt = performance.now();
  if (conn.enqueue(() => handle(ctx, conn, message, receivedAt))) return;
  if (conn.isOpen()) conn.sendError('RATE_LIMIT_EXCEEDED', 'Too many messages in flight', { retry_after_ms: 1_000, ...sendOf(message) });
  else conn.closeWith(CLOSE_CODES.RATE_LIMIT_ABUSE);
}

/**
 * Before the welcome, answers wait their turn behind the handshake (they need the session id, and
 * the welcome is always the first frame); a client that fills the queue before it is even
 * welcomed is flooding.
 */
function answer(conn: Connection, respond: () => void): void {
  if (conn.isOpen()) respond();
  else if (!conn.enqueue(respond)) conn.closeWith(CLOSE_CODES.RATE_LIMIT_ABUSE);
}

async function handle(ctx: GatewayContext, conn: Connection, message: ClientMessage, receivedAt: number): Promise<void> {
  if (!conn.isOpen()) return;
  switch (message.type) {
    case 'text_message':
      // The root of one trace: this frame → bus request → api append → publish → each gateway's delivery.
      return tracer.startActiveSpan('text_message', { attributes: { 'parley.room_id': message.data.room_id } }, async (span) => {
        try {
          return await handleTextMessage(ctx, conn, message, receivedAt);
        } finally {
          span.end();
        }
      });
    case 'join_room':
      return handleJoinRoom(ctx, conn, message);
    case 'leave_room':
      return handleLeaveRoom(ctx, conn, message);
    case 'heartbeat':
      return handleHeartbeat(conn, message);
    case 'refresh':
      return handleRefresh(ctx, conn, message);
    case 'edit_message':
    case 'delete_message':
    case 'add_reaction':
    case 'remove_reaction':
      return handleRoomEvent(ctx, conn, message);
    case 'mark_read':
      return handleMarkRead(ctx, conn, message);
    case 'typing':
      return handleTyping(ctx, conn, message, Date.now());
  }
}

function isEventFrame(message: ClientMessage): message is EventFrame {
  return (EVENT_FRAME_TYPES as readonly string[]).includes(message.type);
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

type SendRef = { client_msg_id?: string; room_id?: string };

/** The `details` that name a refused `text_message` or durable-event frame (nothing for other frames). */
function sendOf(message: ClientMessage): SendRef {
  if (message.type !== 'text_message' && !isEventFrame(message)) return {};
  const { client_msg_id, room_id } = message.data;
  return client_msg_id === undefined ? { room_id } : { client_msg_id, room_id };
}
