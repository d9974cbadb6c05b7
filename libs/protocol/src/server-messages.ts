import * as z from 'zod';

import { serverEnvelopeSchema } from './envelope.js';
import { ErrorDataSchema } from './errors.js';
import { ClientMsgIdSchema, MessageIdSchema, RoomIdSchema, SeqSchema, SessionIdSchema, UserIdSchema } from './ids.js';
import { LimitsSchema } from './limits.js';
import { DURABLE_EVENT_TYPES, MessageDeletedDataSchema, MessageEditedDataSchema, ReactionDataSchema } from './events.js';
import { ChatMessageSchema } from './messages.js';
import { ReadAckDataSchema, ReadReceiptDataSchema, UserTypingDataSchema } from './reads.js';

/**
 * Server → client frames. A client must ignore `type`s and `action`s it does not know: new ones
 * are additive.
 */

/** First frame on every connection: who the server thinks you are and the limits in force. */
export const WelcomeDataSchema = z.object({
  action: z.literal('welcome'),
  session_id: SessionIdSchema,
  user_id: UserIdSchema,
  /** Suggested interval between client `heartbeat` frames, in ms. */
  heartbeat_interval_ms: z.int().positive(),
  limits: LimitsSchema,
  /** Rooms the connection is already a member of (e.g. from `/ws/chat/{room_id}/`). */
  rooms: z.array(RoomIdSchema),
  /**
   * The room named by the connection's path (`/ws/chat/{room_id}/`, or `?room_id=`) once it is
   * joined, as the seed's consumer reports it; absent otherwise.
   */
  room_name: RoomIdSchema.optional(),
  /** Per room of `rooms`: the user's unread count (see reads.ts); a `room_joined` for each follows too. */
  unread: z.record(z.string(), z.int().nonnegative()).optional(),
  /** Per room of `rooms`: the user's `read_seq`. */
  read_seq: z.record(z.string(), z.int().nonnegative()).optional(),
});
export type WelcomeData = z.infer<typeof WelcomeDataSchema>;

/** Another user joined a room you are in (sent once per user, not per tab). */
export const UserJoinedDataSchema = z.object({
  action: z.literal('user_joined'),
  user_id: UserIdSchema,
  room_id: RoomIdSchema,
});
export type UserJoinedData = z.infer<typeof UserJoinedDataSchema>;

/** A user left a room you are in (their last connection left it). */
export const UserLeftDataSchema = z.object({
  action: z.literal('user_left'),
  user_id: UserIdSchema,
  room_id: RoomIdSchema,
});
export type UserLeftData = z.infer<typeof UserLeftDataSchema>;

/**
 * This connection is now a member of `room_id`. `last_seq` is the room's latest `seq` at join
 * time (0 for an empty room); any history replay requested with `since_seq` follows.
 */
export const RoomJoinedDataSchema = z.object({
  action: z.literal('room_joined'),
  room_id: RoomIdSchema,
  last_seq: z.int().nonnegative(),
  /** The user's read position in the room and what is unread after it (reads.ts); absent from servers before them. */
  read_seq: z.int().nonnegative().optional(),
  unread: z.int().nonnegative().optional(),
});
export type RoomJoinedData = z.infer<typeof RoomJoinedDataSchema>;

/**
 * This connection is no longer a member of `room_id`. `reason` is absent or `left` when the
 * session left; `removed` when an owner or admin removed the user from the room (every socket of
 * the user gets it, on every gateway).
 */
export const RoomLeftDataSchema = z.object({
  action: z.literal('room_left'),
  room_id: RoomIdSchema,
  reason: z.enum(['left', 'removed']).optional(),
});
export type RoomLeftData = z.infer<typeof RoomLeftDataSchema>;

/**
 * The server is about to close this connection (drain, restart): reconnect after
 * `retry_after_ms` (already jittered by the server). A close with 1012 follows.
 */
export const ReconnectDataSchema = z.object({
  action: z.literal('reconnect'),
  retry_after_ms: z.int().nonnegative(),
  reason: z.string().optional(),
});
export type ReconnectData = z.infer<typeof ReconnectDataSchema>;

/**
 * The connection's token expires in `expires_in_ms`: send a `refresh` frame with a fresh token
 * (same `sub`) before then, or the socket is closed with 4401 (`token expired`).
 */
export const TokenExpiringDataSchema = z.object({
  action: z.literal('token_expiring'),
  expires_in_ms: z.int().nonnegative(),
});
export type TokenExpiringData = z.infer<typeof TokenExpiringDataSchema>;

/** A `refresh` was accepted: the connection now lives until the new token's expiry. */
export const TokenRefreshedDataSchema = z.object({
  action: z.literal('token_refreshed'),
  expires_in_ms: z.int().nonnegative(),
});
export type TokenRefreshedData = z.infer<typeof TokenRefreshedDataSchema>;

/** `system_message` data, discriminated on `action`. */
export const SystemMessageDataSchema = z.discriminatedUnion('action', [
  WelcomeDataSchema,
  UserJoinedDataSchema,
  UserLeftDataSchema,
  RoomJoinedDataSchema,
  RoomLeftDataSchema,
  ReconnectDataSchema,
  TokenExpiringDataSchema,
  TokenRefreshedDataSchema,
]);
export type SystemMessageData = z.infer<typeof SystemMessageDataSchema>;
export type SystemAction = SystemMessageData['action'];

/** Server `system_message` frame. */
export const SystemMessageSchema = serverEnvelopeSchema('system_message', SystemMessageDataSchema);
export type SystemMessage = z.infer<typeof SystemMessageSchema>;

/**
 * Server `text_message` frame: a stored chat message delivered to every member of the room,
 * the sender included. `data` is a {@link ChatMessageSchema}: server-assigned `message_id`, the
 * room's `seq`, the sender's `client_msg_id` (or null) and the server's `user_id` for the sender.
 */
export const ServerTextMessageSchema = serverEnvelopeSchema('text_message', ChatMessageSchema);
export type ServerTextMessage = z.infer<typeof ServerTextMessageSchema>;

/**
 * Sent to the sender only, after the message is committed (never before). `duplicate` is true
 * when this sender had already stored this `client_msg_id` in this room: `message_id`/`seq` are
 * the original's.
 * `client_msg_id` is null when the sender sent none.
 */
export const MessageAckDataSchema = z.object({
  client_msg_id: ClientMsgIdSchema.nullable(),
  message_id: MessageIdSchema,
  seq: SeqSchema,
  room_id: RoomIdSchema,
  duplicate: z.boolean(),
});
export type MessageAckData = z.infer<typeof MessageAckDataSchema>;

/** Server `message_ack` frame. */
export const MessageAckSchema = serverEnvelopeSchema('message_ack', MessageAckDataSchema);
export type MessageAck = z.infer<typeof MessageAckSchema>;

/** Server `heartbeat` data: echoes the client's `sequence`, omitted when the client sent none. */
export const ServerHeartbeatDataSchema = z.object({
  sequence: z.int().nonnegative().optional(),
});
export type ServerHeartbeatData = z.infer<typeof ServerHeartbeatDataSchema>;

/** Server `heartbeat` frame: the answer to every client `heartbeat`. */
export const ServerHeartbeatSchema = serverEnvelopeSchema('heartbeat', ServerHeartbeatDataSchema);
export type ServerHeartbeat = z.infer<typeof ServerHeartbeatSchema>;

/**
 * Server `error` frame: a frame failed (validation, rate limit, unknown room...). The connection
 * stays open; `data` is the one error shape.
 */
export const ErrorMessageSchema = serverEnvelopeSchema('error', ErrorDataSchema);
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;

// --- Durable events: delivered to every member (the sender included) with the room's `seq`, live and replayed ---

/** Server `message_edited` frame: a message's new content (see {@link MessageEditedDataSchema}). */
export const MessageEditedSchema = serverEnvelopeSchema('message_edited', MessageEditedDataSchema);
export type MessageEdited = z.infer<typeof MessageEditedSchema>;
/** Server `message_deleted` frame: the message is a tombstone from here on. */
export const MessageDeletedSchema = serverEnvelopeSchema('message_deleted', MessageDeletedDataSchema);
export type MessageDeleted = z.infer<typeof MessageDeletedSchema>;
/** Server `reaction_added` frame. */
export const ReactionAddedSchema = serverEnvelopeSchema('reaction_added', ReactionDataSchema);
export type ReactionAdded = z.infer<typeof ReactionAddedSchema>;
/** Server `reaction_removed` frame. */
export const ReactionRemovedSchema = serverEnvelopeSchema('reaction_removed', ReactionDataSchema);
export type ReactionRemoved = z.infer<typeof ReactionRemovedSchema>;

/**
 * Sent to the sender only, once an `edit_message`, `delete_message`, `add_reaction` or
 * `remove_reaction` is committed (never before): the event's `type`, `event_id` and `seq`, the
 * message it changed and the sender's `client_msg_id` (null when none was sent). `duplicate` is
 * true when this sender had already stored this `client_msg_id` in this room (the original's
 * ids and `seq`).
 */
export const EventAckDataSchema = z.object({
  client_msg_id: ClientMsgIdSchema.nullable(),
  type: z.enum(DURABLE_EVENT_TYPES),
  event_id: z.uuid(),
  message_id: MessageIdSchema,
  seq: SeqSchema,
  room_id: RoomIdSchema,
  duplicate: z.boolean(),
});
export type EventAckData = z.infer<typeof EventAckDataSchema>;

/** Server `event_ack` frame. */
export const EventAckSchema = serverEnvelopeSchema('event_ack', EventAckDataSchema);
export type EventAck = z.infer<typeof EventAckSchema>;

// --- Read positions and typing (reads.ts holds their data) ---

/** Server `read_ack` frame: to the sender of `mark_read`, with its read position after it. */
export const ReadAckSchema = serverEnvelopeSchema('read_ack', ReadAckDataSchema);
export type ReadAck = z.infer<typeof ReadAckSchema>;

/** Server `read_receipt` frame: another member read up to `seq` (coalesced; ephemeral, may be dropped under backpressure). */
export const ReadReceiptSchema = serverEnvelopeSchema('read_receipt', ReadReceiptDataSchema);
export type ReadReceipt = z.infer<typeof ReadReceiptSchema>;

/** Server `user_typing` frame: another member is typing (ephemeral; expires on the client). */
export const UserTypingSchema = serverEnvelopeSchema('user_typing', UserTypingDataSchema);
export type UserTyping = z.infer<typeof UserTypingSchema>;

/** Every frame the server may send, discriminated on `type`. */
export const ServerMessageSchema = z.discriminatedUnion('type', [
  SystemMessageSchema,
  ServerTextMessageSchema,
  MessageAckSchema,
  ServerHeartbeatSchema,
  ErrorMessageSchema,
  MessageEditedSchema,
  MessageDeletedSchema,
  ReactionAddedSchema,
  ReactionRemovedSchema,
  EventAckSchema,
  ReadAckSchema,
  ReadReceiptSchema,
  UserTypingSchema,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ServerMessageType = ServerMessage['type'];

/** The server frame with the given `type`. */
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;
/** The `data` of the server frame with the given `type`. */
export type ServerMessageData<T extends ServerMessageType> = ServerMessageOf<T>['data'];

/** The `type`s a server may send today. */
export const SERVER_MESSAGE_TYPES = [
  'system_message',
  'text_message',
  'message_ack',
  'heartbeat',
  'error',
  ...DURABLE_EVENT_TYPES,
  'event_ack',
  'read_ack',
  'read_receipt',
  'user_typing',
] as const satisfies readonly ServerMessageType[];
