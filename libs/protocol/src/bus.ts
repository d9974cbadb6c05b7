import * as z from 'zod';

import { ContentSchema } from './client-messages.js';
import { ErrorDataSchema } from './errors.js';
import { DurableEventSchema } from './events.js';
import { ClientMsgIdSchema, InstanceIdSchema, IsoDateTimeSchema, RoomIdSchema, SessionIdSchema, TimestampMsSchema, UserIdSchema } from './ids.js';
import { DEFAULT_LIMITS } from './limits.js';
import { StoredMessageSchema } from './messages.js';
import { SessionStatusSchema } from './sessions.js';

/**
 * Payloads on NATS between services: room events, the gateway's look-ups to the API, and
 * statistics and control messages. Subjects live in `@parley/bus`. Every receiver validates
 * every payload; every request/reply endpoint answers with {@link busReplySchema}.
 * Presence and health payloads are in `presence-bus.ts`.
 */

/**
 * Most entries in one batched bus message (stats reports, presence refreshes). NATS rejects
 * payloads over `max_payload` (1 MiB by default), so a sender splits larger batches.
 */
export const BUS_BATCH_MAX = 1_000;

/**
 * The reply envelope of every bus request/reply endpoint: `{ok: true, data}` or
 * `{ok: false, error}` with the one error shape (e.g. ROOM_NOT_FOUND, AUTHENTICATION_ERROR,
 * INTERNAL_ERROR with `details.retryable`).
 */
export function busReplySchema<D extends z.ZodType>(data: D) {
  return z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), data }), z.object({ ok: z.literal(false), error: ErrorDataSchema })]);
}
/** A bus reply carrying `T` on success (the type {@link busReplySchema} infers). */
export type BusReply<T> = z.infer<ReturnType<typeof busReplySchema<z.ZodType<T>>>>;

/**
 * Published by the API on a room's subject after a message commits (`message`) or a durable
 * event commits (`event`: an edit, delete or reaction, public already), and by presence when a
 * user's first connection joins or last connection leaves a room (`system`, `at` in ms).
 * Delivery is at-most-once; receivers detect holes by the `seq` of messages and events alike.
 */
export const RoomEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), message: StoredMessageSchema }),
  z.object({ kind: z.literal('event'), event: DurableEventSchema }),
  z.object({
    kind: z.literal('system'),
    action: z.enum(['user_joined', 'user_left']),
    user_id: UserIdSchema,
    room_id: RoomIdSchema,
    at: TimestampMsSchema,
  }),
  // Ephemeral events (reads.ts): no seq, never stored; a gateway's hole detection ignores them.
  /** Published by the API when a user's read position moved (only in rooms up to READ_RECEIPTS_MAX_MEMBERS). */
  z.object({ kind: z.literal('read'), room_id: RoomIdSchema, user_id: UserIdSchema, seq: z.int().nonnegative(), at: TimestampMsSchema }),
  /** Published by the gateway of a typing member (at most one per user and room per TYPING.interval_ms). */
  z.object({ kind: z.literal('typing'), room_id: RoomIdSchema, user_id: UserIdSchema, at: TimestampMsSchema }),
  /**
   * Published by the API about once a second for each room with recent appends: the highest `seq`
   * it has published there. A gateway whose members are behind it lost a publish (the bus hop is
   * at-most-once) and reads the rest from history. Never a frame to clients.
   */
  z.object({ kind: z.literal('head'), room_id: RoomIdSchema, seq: z.int().nonnegative() }),
]);
export type RoomEvent = z.infer<typeof RoomEventSchema>;

/**
 * Gateway → API at connect: which session is this connection? `session`: resume that session
 * (unknown, expired or closed → AUTHENTICATION_ERROR); with `user_id` (a verified token's `sub`)
 * the session must also belong to that user — when auth is required a session id alone is an
 * identifier, not a credential. `user`: a new session for a
 * verified token's `sub`; `guest`: a new guest session with a generated user id.
 * Reply: {@link SessionInfoSchema}.
 */
export const ResolveSessionRequestSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('session'), session_id: SessionIdSchema, user_id: UserIdSchema.optional() }),
  z.object({ mode: z.literal('user'), user_id: UserIdSchema }),
  z.object({ mode: z.literal('guest') }),
]);
export type ResolveSessionRequest = z.infer<typeof ResolveSessionRequestSchema>;

/** A resolved session: its user, expiry and the rooms it has joined (rejoined on connect). */
export const SessionInfoSchema = z.object({
  session_id: SessionIdSchema,
  user_id: UserIdSchema,
  status: SessionStatusSchema,
  expires_at: IsoDateTimeSchema,
  rooms: z.array(RoomIdSchema),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

/**
 * Gateway → API before joining a room: does it exist, and may this session enter? A room that
 * does not exist is an error reply with ROOM_NOT_FOUND. Reply: {@link RoomAccessReplySchema}.
 */
export const RoomAccessRequestSchema = z.object({
  room_id: RoomIdSchema,
  session_id: SessionIdSchema,
});
export type RoomAccessRequest = z.infer<typeof RoomAccessRequestSchema>;

/** `allowed: false` → PERMISSION_DENIED to the client. `last_seq` is the room's latest seq (0 if empty). */
export const RoomAccessReplySchema = z.object({
  room_id: RoomIdSchema,
  allowed: z.boolean(),
  last_seq: z.int().nonnegative(),
  /** When allowed: the session's user's read position and unread count in the room (reads.ts). */
  read_seq: z.int().nonnegative().optional(),
  unread: z.int().nonnegative().optional(),
});
export type RoomAccessReply = z.infer<typeof RoomAccessReplySchema>;

/**
 * Gateway → API: a page of a room's log after `after_seq` (messages and durable events, oldest
 * first, no holes), for a connection that already passed the room's access check (the catch-up
 * after a join with `since_seq` or a hole). Reply: an `EventsPage` that stops early, with
 * `has_more`, to stay within the bus's payload limit.
 */
export const RoomHistoryRequestSchema = z.object({
  room_id: RoomIdSchema,
  after_seq: z.int().nonnegative(),
  limit: z.int().min(1).max(DEFAULT_LIMITS.history_page_max),
});
export type RoomHistoryRequest = z.infer<typeof RoomHistoryRequestSchema>;

/**
 * Gateway → API: store a chat message. `user_id` is the session's (never the client's claim).
 * De-duplicated per sender on (room, `client_msg_id`) when the id is not null, so another user
 * reusing a seen id cannot collide with it. Reply:
 * {@link AppendMessageReplySchema}, sent only after the commit.
 */
export const AppendMessageRequestSchema = z.object({
  room_id: RoomIdSchema,
  session_id: SessionIdSchema,
  user_id: UserIdSchema,
  content: ContentSchema,
  client_msg_id: ClientMsgIdSchema.nullable(),
});
export type AppendMessageRequest = z.infer<typeof AppendMessageRequestSchema>;

/** The stored message; `duplicate: true` when it had been stored before (a retry). */
export const AppendMessageReplySchema = z.object({
  message: StoredMessageSchema,
  duplicate: z.boolean(),
});
export type AppendMessageReply = z.infer<typeof AppendMessageReplySchema>;

/**
 * Gateway → API, periodically: per-session counter increments since the gateway's previous
 * report (not totals), summed by the API in one batched write. At most {@link BUS_BATCH_MAX}
 * sessions per message. `connection_seconds` may be fractional.
 */
export const SessionStatsReportSchema = z.object({
  gateway_id: InstanceIdSchema,
  sessions: z
    .array(
      z.object({
        session_id: SessionIdSchema,
        messages_received: z.int().nonnegative(),
        connection_seconds: z.number().nonnegative(),
        /** Latest activity seen on this gateway (ISO-8601). */
        last_activity: IsoDateTimeSchema,
      }),
    )
    .max(BUS_BATCH_MAX),
});
export type SessionStatsReport = z.infer<typeof SessionStatsReportSchema>;

/**
 * API → gateways: make a session's live connections follow a REST change. `join`/`leave`
 * (with `room_id`): the session joined/left a room over REST; `close`: the session ended, its
 * connections are closed (4401).
 */
export const SessionControlSchema = z
  .object({
    session_id: SessionIdSchema,
    action: z.enum(['join', 'leave', 'close']),
    room_id: RoomIdSchema.optional(),
  })
  .refine((c) => c.action === 'close' || c.room_id !== undefined, {
    error: 'room_id is required for join and leave',
    path: ['room_id'],
  });
export type SessionControl = z.infer<typeof SessionControlSchema>;

/**
 * API → gateways: make every live connection of a user follow a change.
 * `remove`: the user was removed from `room_id` (by an owner or admin, a ban, or the server API):
 * each of their sockets leaves the room at once and is told `room_left {reason: "removed"}`.
 * `disconnect` (the server API): each of their sockets is told `reason` and closed, with a close
 * code that lets the client reconnect or not (`reconnect`).
 */
export const UserControlSchema = z.discriminatedUnion('action', [
  z.object({ user_id: UserIdSchema, action: z.literal('remove'), room_id: RoomIdSchema }),
  z.object({ user_id: UserIdSchema, action: z.literal('disconnect'), reason: z.string().max(100), reconnect: z.boolean() }),
]);
export type UserControl = z.infer<typeof UserControlSchema>;
