import * as z from 'zod';

import { clientEnvelopeSchema } from './envelope.js';
import { ClientMsgIdSchema, MessageIdSchema, RoomIdSchema, UserIdSchema } from './ids.js';
import { DEFAULT_LIMITS } from './limits.js';
import { MarkReadDataSchema, TypingDataSchema } from './reads.js';
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

/** A reaction: one emoji (or a `:short_name:`), 1–32 code points, no whitespace or control characters. */
export const EmojiSchema = z
  .string({ error: 'emoji must be a string' })
  .min(1, { error: 'emoji is required' })
  .max(128)
  .refine((s) => codePointLength(s) <= 32, { error: 'emoji must be at most 32 characters' })
  .refine((s) => !/[\s\p{Cc}]/u.test(s), { error: 'emoji must not contain whitespace or control characters' });
export type Emoji = z.infer<typeof EmojiSchema>;

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

// --- Durable events: edits, deletes, reactions (each answered with `event_ack` after its commit) ---

/**
 * What every durable-event frame names: the room, the message it changes, and an optional
 * idempotency key (a resend with the same one is answered with the stored event, not a second).
 * The message must be in that room and not deleted (else VALIDATION_ERROR on `message_id`).
 */
const eventTarget = {
  room_id: RoomIdSchema,
  message_id: MessageIdSchema,
  client_msg_id: ClientMsgIdSchema.optional(),
};

/** `edit_message` data: the author replaces their message's content, within the edit window (PERMISSION_DENIED otherwise). */
export const EditMessageDataSchema = z.object({ ...eventTarget, content: ContentSchema });
export type EditMessageData = z.infer<typeof EditMessageDataSchema>;
export const EditMessageSchema = clientEnvelopeSchema('edit_message', EditMessageDataSchema);
export type EditMessage = z.infer<typeof EditMessageSchema>;

/** `delete_message` data: the author, or a room owner or admin, deletes a message (PERMISSION_DENIED otherwise). */
export const DeleteMessageDataSchema = z.object(eventTarget);
export type DeleteMessageData = z.infer<typeof DeleteMessageDataSchema>;
export const DeleteMessageSchema = clientEnvelopeSchema('delete_message', DeleteMessageDataSchema);
export type DeleteMessage = z.infer<typeof DeleteMessageSchema>;

/**
 * `add_reaction` / `remove_reaction` data: anyone who may post reacts, once per emoji and message
 * (adding one already there, or removing one not there, is a VALIDATION_ERROR on `emoji`; so is a
 * new emoji beyond the deployment's distinct-reactions limit).
 */
export const ReactionRequestDataSchema = z.object({ ...eventTarget, emoji: EmojiSchema });
export type ReactionRequestData = z.infer<typeof ReactionRequestDataSchema>;
export const AddReactionSchema = clientEnvelopeSchema('add_reaction', ReactionRequestDataSchema);
export type AddReaction = z.infer<typeof AddReactionSchema>;
export const RemoveReactionSchema = clientEnvelopeSchema('remove_reaction', ReactionRequestDataSchema);
export type RemoveReaction = z.infer<typeof RemoveReactionSchema>;

/** The client frames that become durable events, in declaration order. */
export const EVENT_FRAME_TYPES = ['edit_message', 'delete_message', 'add_reaction', 'remove_reaction'] as const;
export type EventFrameType = (typeof EVENT_FRAME_TYPES)[number];

// --- Read positions and typing (reads.ts holds their data) ---

/** Client `mark_read` frame: answered with `read_ack`; the other members may get a `read_receipt`. */
export const MarkReadMessageSchema = clientEnvelopeSchema('mark_read', MarkReadDataSchema);
export type MarkReadMessage = z.infer<typeof MarkReadMessageSchema>;

/** Client `typing` frame: never answered; extra ones within the typing interval are dropped silently. */
export const TypingMessageSchema = clientEnvelopeSchema('typing', TypingDataSchema);
export type TypingMessage = z.infer<typeof TypingMessageSchema>;

/** Every frame a client may send, discriminated on `type`. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  ClientTextMessageSchema,
  ClientHeartbeatSchema,
  JoinRoomMessageSchema,
  LeaveRoomMessageSchema,
  RefreshMessageSchema,
  EditMessageSchema,
  DeleteMessageSchema,
  AddReactionSchema,
  RemoveReactionSchema,
  MarkReadMessageSchema,
  TypingMessageSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** The `type`s a client may send, in declaration order. */
export const CLIENT_MESSAGE_TYPES = [
  'text_message',
  'heartbeat',
  'join_room',
  'leave_room',
  'refresh',
  ...EVENT_FRAME_TYPES,
  'mark_read',
  'typing',
] as const satisfies readonly ClientMessage['type'][];
export type ClientMessageType = ClientMessage['type'];
