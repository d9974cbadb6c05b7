import * as z from 'zod';

import { ContentSchema, EmojiSchema } from './client-messages.js';
import { ClientMsgIdSchema, IsoDateTimeSchema, MessageIdSchema, RoomIdSchema, SeqSchema, SessionIdSchema, TimestampMsSchema, UserIdSchema } from './ids.js';
import { DEFAULT_LIMITS, DEFAULT_PAGE_LIMIT } from './limits.js';
import { ChatMessageSchema } from './messages.js';
import { pageLimitSchema } from './pagination.js';

/**
 * Durable events: what changes a room's messages after they are posted (edits, deletes,
 * reactions). Each takes the room's next gap-free `seq`, like a message, so a room's history is
 * one ordered log of `text_message` and these four, replayed in `seq` order by catch-up.
 */

/** The four durable event types besides `text_message`, in declaration order. */
export const DURABLE_EVENT_TYPES = ['message_edited', 'message_deleted', 'reaction_added', 'reaction_removed'] as const;
export type DurableEventType = (typeof DURABLE_EVENT_TYPES)[number];

/**
 * What every durable event carries: its own id and `seq` in the room, the message it changes,
 * the user who changed it (the server's idea of them), that user's idempotency key echoed, and
 * the commit time (ISO `created_at`, ms `timestamp`).
 */
const eventFields = {
  event_id: z.uuid(),
  room_id: RoomIdSchema,
  seq: SeqSchema,
  message_id: MessageIdSchema,
  user_id: UserIdSchema,
  client_msg_id: ClientMsgIdSchema.nullable(),
  created_at: IsoDateTimeSchema,
  timestamp: TimestampMsSchema,
};

/** `message_edited`: the message's content is now `content` (empty in the log once the message was deleted). */
export const MessageEditedDataSchema = z.object({ ...eventFields, content: z.string() });
export type MessageEditedData = z.infer<typeof MessageEditedDataSchema>;

/** `message_deleted`: the message is a tombstone from here on (no content, no reactions; later changes are refused). */
export const MessageDeletedDataSchema = z.object(eventFields);
export type MessageDeletedData = z.infer<typeof MessageDeletedDataSchema>;

/** `reaction_added` / `reaction_removed`: `user_id` added or removed their `emoji` on the message (one per user, emoji and message). */
export const ReactionDataSchema = z.object({ ...eventFields, emoji: EmojiSchema });
export type ReactionData = z.infer<typeof ReactionDataSchema>;

/** A durable event as it is published, delivered and replayed: its frame `type` and `data`. */
export const DurableEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message_edited'), data: MessageEditedDataSchema }),
  z.object({ type: z.literal('message_deleted'), data: MessageDeletedDataSchema }),
  z.object({ type: z.literal('reaction_added'), data: ReactionDataSchema }),
  z.object({ type: z.literal('reaction_removed'), data: ReactionDataSchema }),
]);
export type DurableEvent = z.infer<typeof DurableEventSchema>;

/**
 * One entry of a room's log: a message (`text_message`, in its current state: edited content,
 * or empty content with `deleted_at` once deleted) or a durable event, each with its `seq`.
 */
export const LogEntrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text_message'), data: ChatMessageSchema }),
  ...DurableEventSchema.options,
]);
export type LogEntry = z.infer<typeof LogEntrySchema>;

/**
 * Query of `GET /api/rooms/{room_id}/events/`: the log after `since_seq` (default 0, the whole
 * log), oldest first; `limit` as for messages (default 50, at most 100).
 */
export const EventsQuerySchema = z.object({
  since_seq: z.coerce.number<unknown>().int().min(0).default(0),
  limit: pageLimitSchema(DEFAULT_PAGE_LIMIT, DEFAULT_LIMITS.history_page_max),
});
export type EventsQuery = z.infer<typeof EventsQuerySchema>;

/** One page of the log, ascending by `seq` with no holes; with `has_more`, continue with `since_seq` = the last entry's `seq`. */
export const EventsPageSchema = z.object({
  events: z.array(LogEntrySchema),
  has_more: z.boolean(),
});
export type EventsPage = z.infer<typeof EventsPageSchema>;

const requestFields = {
  room_id: RoomIdSchema,
  session_id: SessionIdSchema,
  user_id: UserIdSchema,
  message_id: MessageIdSchema,
  client_msg_id: ClientMsgIdSchema.nullable(),
};

/**
 * Gateway → API (`api.event.append`): store a durable event for a socket's user and live
 * session. Who may: the author edits and deletes; a room's owners and admins delete any
 * message; anyone who may post reacts. De-duplicated per user on (room, `client_msg_id`).
 * Reply: {@link AppendEventReplySchema}, only after the commit.
 */
export const AppendEventRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message_edited'), ...requestFields, content: ContentSchema }),
  z.object({ type: z.literal('message_deleted'), ...requestFields }),
  z.object({ type: z.literal('reaction_added'), ...requestFields, emoji: EmojiSchema }),
  z.object({ type: z.literal('reaction_removed'), ...requestFields, emoji: EmojiSchema }),
]);
export type AppendEventRequest = z.infer<typeof AppendEventRequestSchema>;

/** The stored event; `duplicate: true` when this user had stored this `client_msg_id` in this room before (the original is returned). */
export const AppendEventReplySchema = z.object({
  event: DurableEventSchema,
  duplicate: z.boolean(),
});
export type AppendEventReply = z.infer<typeof AppendEventReplySchema>;
