import * as z from 'zod';

import { clientEnvelopeSchema } from './envelope.js';
import { ClientMsgIdSchema, RoomIdSchema, UserIdSchema } from './ids.js';
import { DEFAULT_LIMITS } from './limits.js';
import { codePointLength, hasLoneSurrogate, hasNul } from './text.js';

/**
 * Client → server frames. Unknown `type`s are a VALIDATION_ERROR (see `parseClientFrame`);
 * unknown keys inside a known frame are dropped.
 */

const MAX_CONTENT_CHARS = DEFAULT_LIMITS.max_content_chars;

/**
 * Chat message text, kept exactly as sent (never trimmed: a trailing space or U+2028 is part of
 * the message). Empty or whitespace-only content is refused, not rewritten. 1–4,000 Unicode code
 * points (the protocol maximum: a deployment may enforce a lower `max_content_chars`, never a
 * higher one), no U+0000, no unpaired surrogates.
 */
export const ContentSchema = z
  .string({
    error: (issue) => (issue.input === undefined ? 'Message content is required' : 'Message content must be a string'),
  })
  .refine((s) => s.trim() !== '', { error: 'Message content cannot be empty', abort: true })
  .refine((s) => s.length <= MAX_CONTENT_CHARS || codePointLength(s) <= MAX_CONTENT_CHARS, {
    error: `Message content must be at most ${MAX_CONTENT_CHARS} characters`,
    abort: true,
  })
  .refine((s) => !hasNul(s), { error: 'Message content must not contain NUL characters' })
  .refine((s) => !hasLoneSurrogate(s), { error: 'Message content must be well-formed Unicode' });
export type Content = z.infer<typeof ContentSchema>;

/**
 * `text_message` data, sent by a client to post in a room. A room the connection has not joined
 * is joined first. `user_id`, if sent, must equal the session's user (else PERMISSION_DENIED).
 * `client_msg_id` makes retries idempotent and is echoed in the `message_ack`.
 */
export const ClientTextMessageDataSchema = z.object({
  content: ContentSchema,
  room_id: RoomIdSchema,
  user_id: UserIdSchema.optional(),
  client_msg_id: ClientMsgIdSchema.optional(),
});
export type ClientTextMessageData = z.infer<typeof ClientTextMessageDataSchema>;

/** Client `text_message` frame. */
export const ClientTextMessageSchema = clientEnvelopeSchema('text_message', ClientTextMessageDataSchema);
export type ClientTextMessage = z.infer<typeof ClientTextMessageSchema>;

/** Client `heartbeat` data: a counter the server echoes back in its `heartbeat`. */
export const ClientHeartbeatDataSchema = z.object({
  sequence: z.int().nonnegative(),
});
export type ClientHeartbeatData = z.infer<typeof ClientHeartbeatDataSchema>;

/**
 * Client `heartbeat` frame. `data` may be omitted (the seed's client examples send only
 * `{type, timestamp}`); the server answers with a `heartbeat` either way.
 */
export const ClientHeartbeatSchema = clientEnvelopeSchema('heartbeat', ClientHeartbeatDataSchema.optional());
export type ClientHeartbeat = z.infer<typeof ClientHeartbeatSchema>;

/**
 * `join_room` data. `since_seq` is the last `seq` the client has seen in that room; the server
 * replays every later message from history before live traffic (0 = from the beginning; omit
 * for live traffic only). Answered with `room_joined`.
 */
export const JoinRoomDataSchema = z.object({
  room_id: RoomIdSchema,
  since_seq: z.int().nonnegative().optional(),
});
export type JoinRoomData = z.infer<typeof JoinRoomDataSchema>;

/** Client `join_room` frame. */
export const JoinRoomMessageSchema = clientEnvelopeSchema('join_room', JoinRoomDataSchema);
export type JoinRoomMessage = z.infer<typeof JoinRoomMessageSchema>;

/** `leave_room` data. Answered with `room_left`. */
export const LeaveRoomDataSchema = z.object({
  room_id: RoomIdSchema,
});
export type LeaveRoomData = z.infer<typeof LeaveRoomDataSchema>;

/** Client `leave_room` frame. */
export const LeaveRoomMessageSchema = clientEnvelopeSchema('leave_room', LeaveRoomDataSchema);
export type LeaveRoomMessage = z.infer<typeof LeaveRoomMessageSchema>;

/**
 * `refresh` data: a fresh JWT for the connection's user (same `sub`), sent in answer to a
 * `token_expiring` system message (or at any time). The socket keeps its session, rooms and
 * position; it is closed with 4401 at the old token's `exp` if no valid refresh arrives.
 * 8,192 bytes covers any sane JWT and keeps the frame far below the frame limit.
 */
export const RefreshDataSchema = z.object({
  token: z.string().min(1, { error: 'token is required' }).max(8_192),
});
export type RefreshData = z.infer<typeof RefreshDataSchema>;

/** Client `refresh` frame. Answered with `token_refreshed`, or an AUTHENTICATION_ERROR. */
export const RefreshMessageSchema = clientEnvelopeSchema('refresh', RefreshDataSchema);
export type RefreshMessage = z.infer<typeof RefreshMessageSchema>;

/** Every frame a client may send, discriminated on `type`. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  ClientTextMessageSchema,
  ClientHeartbeatSchema,
  JoinRoomMessageSchema,
  LeaveRoomMessageSchema,
  RefreshMessageSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** The `type`s a client may send, in declaration order. */
export const CLIENT_MESSAGE_TYPES = ['text_message', 'heartbeat', 'join_room', 'leave_room', 'refresh'] as const satisfies readonly ClientMessage['type'][];
export type ClientMessageType = ClientMessage['type'];
