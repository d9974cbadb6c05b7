import * as z from 'zod';

import { hasControlChars, hasLoneSurrogate } from './text.js';

/**
 * Identifiers and time values shared by every other schema. All ids are opaque strings on the
 * wire; the patterns below are the whole contract.
 */

/** Slug pattern for room ids and categories: lowercase, digit-led or letter-led, ≤ 64 chars. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * A room id: `^[a-z0-9][a-z0-9_-]{0,63}$`. No `.`, `*`, `>` or whitespace, so a room id is always
 * a single safe NATS subject token (`chat.room.<room_id>`).
 */
export const RoomIdSchema = z.string().regex(SLUG_PATTERN, { error: 'Room id must match ^[a-z0-9][a-z0-9_-]{0,63}$' });
export type RoomId = z.infer<typeof RoomIdSchema>;

/** A room category: same slug rules as a room id. */
export const CategorySchema = z.string().regex(SLUG_PATTERN, { error: 'Category must match ^[a-z0-9][a-z0-9_-]{0,63}$' });
export type Category = z.infer<typeof CategorySchema>;

/** A session id: an RFC 9562 UUID, issued by the API. */
export const SessionIdSchema = z.uuid();
export type SessionId = z.infer<typeof SessionIdSchema>;

/**
 * A user id: 1–128 UTF-16 code units, no control characters, not whitespace-only, well-formed
 * Unicode. Comes from the JWT `sub`, the create-session body, or is generated for guests.
 */
export const UserIdSchema = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !hasControlChars(s), { error: 'User id must not contain control characters' })
  .refine((s) => s.trim().length > 0, { error: 'User id must not be blank' })
  .refine((s) => !hasLoneSurrogate(s), { error: 'User id must be well-formed Unicode' });
export type UserId = z.infer<typeof UserIdSchema>;

/** The user ids the server API writes as (`system`, `bot:<name>`); no person may hold one. */
export function isServerAuthorId(userId: string): boolean {
  return userId === 'system' || userId.startsWith('bot:');
}

/**
 * A person's user id (a JWT `sub`, a session's user): a {@link UserIdSchema} that is not a server
 * author's, so no token or session can write, edit or delete as the system or a bot.
 */
export const PersonIdSchema = UserIdSchema.refine((s) => !isServerAuthorId(s), {
  error: "User id 'system' and ids starting with 'bot:' are reserved for the server API's authors",
});

/**
 * A client-chosen idempotency key for a `text_message`: 1–64 chars of `[A-Za-z0-9_-]`
 * (a UUID, a nanoid or a counter all fit). Resending with the same key never stores twice.
 */
export const ClientMsgIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'client_msg_id must be 1-64 characters of [A-Za-z0-9_-]' });
export type ClientMsgId = z.infer<typeof ClientMsgIdSchema>;

/** A server-assigned message id (UUID). */
export const MessageIdSchema = z.uuid();
export type MessageId = z.infer<typeof MessageIdSchema>;

/** A message's position in its room: gap-free per room, starting at 1. */
export const SeqSchema = z.int().min(1);
export type Seq = z.infer<typeof SeqSchema>;

/** Milliseconds since the Unix epoch, as an integer (`Date.now()`). Used in WS envelopes and bus events. */
export const TimestampMsSchema = z.int().nonnegative();
export type TimestampMs = z.infer<typeof TimestampMsSchema>;

/**
 * An ISO-8601 date-time with `Z` or a numeric offset (`2024-01-01T00:00:00Z`,
 * `2024-01-01T12:30:00.123+02:00`), any sub-second precision. Used in REST bodies and
 * stored records. Servers emit `Date#toISOString()` (UTC, milliseconds).
 */
export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
export type IsoDateTime = z.infer<typeof IsoDateTimeSchema>;

/**
 * The id of one service instance (a gateway, an API or presence process): 1–128 chars of
 * `[A-Za-z0-9_-]`, so it is a safe NATS subject token too.
 */
export const InstanceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'Instance id must be 1-128 characters of [A-Za-z0-9_-]' });
export type InstanceId = z.infer<typeof InstanceIdSchema>;

/** The id of one WebSocket connection on a gateway; same rules as an instance id. */
export const ConnectionIdSchema = InstanceIdSchema;
export type ConnectionId = z.infer<typeof ConnectionIdSchema>;
