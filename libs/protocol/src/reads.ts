import * as z from 'zod';

import { RoomIdSchema, SessionIdSchema, UserIdSchema } from './ids.js';

/**
 * Read positions, unread counts and typing: the data of their frames, REST bodies and bus
 * payloads (the envelopes are in client-messages.ts and server-messages.ts).
 *
 * A user's `read_seq` in a room is the highest `seq` they have read there (0: nothing). It only
 * moves forward, and never past the room's head. `unread` counts the room's messages after
 * `read_seq` posted by other users and not deleted (one's own messages are never unread; edits and
 * reactions change messages, they are not new ones), up to
 * {@link UNREAD_COUNT_MAX}. Read receipts and typing are ephemeral: never stored in the room's
 * log, never replayed, and the first frames a slow socket loses.
 */

/** Unread counts stop at this (a client shows "10000+"): counting further would scan the whole backlog. */
export const UNREAD_COUNT_MAX = 10_000;

/**
 * Typing: a member's typing frames reach the others at most once per `interval_ms` (per user and
 * room; extra ones are dropped silently). A client shows "… is typing" until `expire_ms` pass
 * without a repeat; the SDK repeats every `repeat_ms` while the user types.
 */
export const TYPING = Object.freeze({ interval_ms: 2_000, repeat_ms: 2_500, expire_ms: 6_000 });

/** Read receipts reach the other members at most once per user and room per this many ms (the latest wins). */
export const READ_RECEIPT_INTERVAL_MS = 1_000;

const ReadSeqSchema = z.int().nonnegative();
const UnreadSchema = z.int().min(0).max(UNREAD_COUNT_MAX);

/** `mark_read` data (client): the caller has read `room_id` up to `seq`. A lower `seq` than the stored one changes nothing. */
export const MarkReadDataSchema = z.object({
  room_id: RoomIdSchema,
  seq: ReadSeqSchema,
});
export type MarkReadData = z.infer<typeof MarkReadDataSchema>;

/** `typing` data (client): the caller is typing in `room_id` (a room the connection has joined). */
export const TypingDataSchema = z.object({
  room_id: RoomIdSchema,
});
export type TypingData = z.infer<typeof TypingDataSchema>;

/** Where a user's reading stands in one room. */
export const ReadPositionSchema = z.object({
  room_id: RoomIdSchema,
  read_seq: ReadSeqSchema,
  unread: UnreadSchema,
});
export type ReadPosition = z.infer<typeof ReadPositionSchema>;

/** `read_ack` data (server, to the sender of `mark_read`): the position after it (the stored one when it did not move). */
export const ReadAckDataSchema = ReadPositionSchema;
export type ReadAckData = z.infer<typeof ReadAckDataSchema>;

/** `read_receipt` data (server, to the other members of rooms up to the configured size): `user_id` has read up to `seq`. */
export const ReadReceiptDataSchema = z.object({
  room_id: RoomIdSchema,
  user_id: UserIdSchema,
  seq: ReadSeqSchema,
});
export type ReadReceiptData = z.infer<typeof ReadReceiptDataSchema>;

/** `user_typing` data (server, to the other members): `user_id` is typing; show it until {@link TYPING}.expire_ms pass without a repeat. */
export const UserTypingDataSchema = z.object({
  room_id: RoomIdSchema,
  user_id: UserIdSchema,
});
export type UserTypingData = z.infer<typeof UserTypingDataSchema>;

/** Body of `PUT /api/rooms/{room_id}/read/`. */
export const MarkReadRequestSchema = z.object({ seq: ReadSeqSchema });
export type MarkReadRequest = z.infer<typeof MarkReadRequestSchema>;

/** Response of `PUT /api/rooms/{room_id}/read/`. */
export const MarkReadResponseSchema = ReadPositionSchema;
export type MarkReadResponse = z.infer<typeof MarkReadResponseSchema>;

/** Gateway → API (`api.room.markRead`): the session's user has read the room up to `seq`. Reply: {@link ReadPositionSchema}. */
export const MarkReadBusRequestSchema = z.object({
  room_id: RoomIdSchema,
  session_id: SessionIdSchema,
  seq: ReadSeqSchema,
});
export type MarkReadBusRequest = z.infer<typeof MarkReadBusRequestSchema>;
