import * as z from 'zod';

import { ClientMsgIdSchema, IsoDateTimeSchema, MessageIdSchema, RoomIdSchema, SeqSchema, SessionIdSchema, UserIdSchema } from './ids.js';
import { DEFAULT_LIMITS, DEFAULT_PAGE_LIMIT } from './limits.js';
import { pageLimitSchema } from './pagination.js';

/**
 * Chat message records: the stored form (internal, on the bus) and the public form (history over
 * REST and `text_message` broadcasts over WebSocket), plus the history endpoint's query and page.
 */

/**
 * A chat message as the API stored it. Internal: it travels on the bus only. It carries the
 * sender's `session_id`, which is a credential (it resumes a session), so it is never sent to
 * other users; public surfaces use {@link ChatMessageSchema}.
 */
export const StoredMessageSchema = z.object({
  message_id: MessageIdSchema,
  room_id: RoomIdSchema,
  /** Position in the room, gap-free from 1. */
  seq: SeqSchema,
  /** The sender's session; null when its author wrote without one (a bot, a server-side caller). */
  session_id: SessionIdSchema.nullable(),
  user_id: UserIdSchema,
  /** Content exactly as the sender sent it. */
  content: z.string(),
  /** The sender's idempotency key, or null when the sender sent none. */
  client_msg_id: ClientMsgIdSchema.nullable(),
  /** Commit time on the API (ISO-8601). */
  created_at: IsoDateTimeSchema,
});
export type StoredMessage = z.infer<typeof StoredMessageSchema>;

/**
 * A chat message as other users see it: {@link StoredMessageSchema} without `session_id`, plus
 * the seed's numeric `timestamp` (ms since the epoch, the same instant as `created_at`). This is
 * the `data` of a server `text_message` (live and replayed) and an item of a history page.
 */
export const ChatMessageSchema = StoredMessageSchema.omit({ session_id: true }).extend({
  /** `created_at` in ms since the epoch: the seed's `data.timestamp` for a text message. */
  timestamp: z.int().nonnegative(),
  /** In a replay from the log: when the message was last edited (its `content` is the edited one); absent live. */
  edited_at: IsoDateTimeSchema.nullable().optional(),
  /** In a replay from the log: when the message was deleted (its `content` is then empty); absent live. */
  deleted_at: IsoDateTimeSchema.nullable().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** A stored message in its public form: `session_id` dropped, `timestamp` derived from `created_at`. */
export function toChatMessage(message: StoredMessage): ChatMessage {
  const { session_id: _sessionId, ...rest } = message;
  return { ...rest, timestamp: Date.parse(message.created_at) };
}

const optionalCursor = (min: number) => z.coerce.number<unknown>().int().min(min).optional();

/**
 * Query of `GET /api/rooms/{room_id}/messages/` (values arrive as strings and are coerced).
 * - `limit`: default 50; < 1 or not an integer is a VALIDATION_ERROR; > 100 is clamped to 100.
 * - `before_seq` (≥ 1): only messages with `seq < before_seq`.
 * - `after_seq` (≥ 0): only messages with `seq > after_seq` (catch-up after a reconnect).
 * Both may be given (a range). Without `after_seq` the page holds the newest matching messages;
 * with it, the oldest matching ones. Messages are always returned in ascending `seq` order.
 */
export const MessagesQuerySchema = z.object({
  limit: pageLimitSchema(DEFAULT_PAGE_LIMIT, DEFAULT_LIMITS.history_page_max),
  before_seq: optionalCursor(1),
  after_seq: optionalCursor(0),
});
export type MessagesQuery = z.infer<typeof MessagesQuerySchema>;

/** One emoji on a message: how many users reacted with it, and whether the reader is one of them. */
export const ReactionCountSchema = z.object({
  emoji: z.string(),
  count: z.int().positive(),
  me: z.boolean(),
});
export type ReactionCount = z.infer<typeof ReactionCountSchema>;

/**
 * A message in its current state, as a history page shows it: edited content with `edited_at`;
 * a deleted message as a tombstone (`deleted_at` set, `content` empty, no reactions); reaction
 * counts in code point order of the emoji. `state_seq` is the `seq` of the last event
 * this state reflects (the message's own `seq` if none): a reader that replays the log applies
 * only events after it, so page and replay agree.
 */
export const MessageStateSchema = ChatMessageSchema.extend({
  edited_at: IsoDateTimeSchema.nullable(),
  deleted_at: IsoDateTimeSchema.nullable(),
  reactions: z.array(ReactionCountSchema),
  state_seq: SeqSchema,
});
export type MessageState = z.infer<typeof MessageStateSchema>;

/**
 * One page of history, ascending by `seq`. `has_more` is true when more messages match in the
 * direction of paging (older without `after_seq`, newer with it). `next_before_seq` is the
 * `before_seq` for the next older page (the first message's `seq`) when paging backwards and
 * `has_more`; otherwise null (paging forwards continues with `after_seq` = the last `seq`).
 */
export const MessagesPageSchema = z.object({
  messages: z.array(MessageStateSchema),
  has_more: z.boolean(),
  next_before_seq: SeqSchema.nullable(),
});
export type MessagesPage = z.infer<typeof MessagesPageSchema>;
