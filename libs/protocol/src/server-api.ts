import * as z from 'zod';

import { ContentSchema } from './client-messages.js';
import { ErrorDataSchema } from './errors.js';
import { ClientMsgIdSchema, IsoDateTimeSchema, RoomIdSchema, SLUG_PATTERN, UserIdSchema } from './ids.js';
import { ChatMessageSchema } from './messages.js';
import { CreateNamedRoomRequestSchema, RoomRoleSchema, RoomVisibilitySchema } from './rooms.js';

/**
 * Shapes of the server API (`/api/server/`), called by an application's backend with an API key,
 * never by a browser and never as a user.
 */

/**
 * What a key may do. `publish`: post messages as a bot or system author; `moderate`: mute, ban,
 * slow mode, disconnect, remove members; `read`: presence and the audit log; `admin`: everything,
 * including room management and webhook registration.
 */
export const ApiKeyScopeSchema = z.enum(['publish', 'moderate', 'read', 'admin']);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

/**
 * An API key as issued: `pk_<id>_<secret>`, the id 16 hex characters (shown in lists, found by
 * it), the secret 43 characters of base64url (32 random bytes; only its SHA-256 is stored).
 */
export const API_KEY_PATTERN = /^pk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A key's id: the part of the key that may be shown and logged. */
export const ApiKeyIdSchema = z.string().regex(/^[0-9a-f]{16}$/, { error: 'API key id must be 16 hex characters' });
export type ApiKeyId = z.infer<typeof ApiKeyIdSchema>;

/** Whether a credential is shaped like an API key (so a gateway can refuse it by name). */
export function isApiKeyShaped(credential: string): boolean {
  return credential.startsWith('pk_');
}

/** An API key as listed: never its secret. */
export const ApiKeyInfoSchema = z.object({
  key_id: ApiKeyIdSchema,
  name: z.string().min(1).max(100),
  scopes: z.array(ApiKeyScopeSchema),
  created_at: IsoDateTimeSchema,
  revoked_at: IsoDateTimeSchema.nullable(),
  last_used_at: IsoDateTimeSchema.nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfoSchema>;

/**
 * Who a server-API message is from: a named bot (`user_id` `bot:<name>`) or the system
 * (`user_id` `system`). Neither has a session; either is a plain `user_id` to clients.
 */
export const ServerAuthorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bot'), name: z.string().regex(SLUG_PATTERN, { error: 'A bot name must match ^[a-z0-9][a-z0-9_-]{0,63}$' }) }),
  z.object({ type: z.literal('system') }),
]);
export type ServerAuthor = z.infer<typeof ServerAuthorSchema>;

/** The `user_id` a server author writes as. */
export function serverAuthorUserId(author: ServerAuthor): string {
  return author.type === 'bot' ? `bot:${author.name}` : 'system';
}

/** The header that de-duplicates a publish (stored as the message's `client_msg_id`): a retry answers with the stored copy. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Headers of a publish: `Idempotency-Key` as a `client_msg_id` (1-64 of `[A-Za-z0-9_-]`). */
export const PublishHeadersSchema = z.looseObject({ [IDEMPOTENCY_KEY_HEADER]: ClientMsgIdSchema.optional() });

/** Body of `POST /api/server/rooms/{room_id}/messages/`; the author defaults to the system. */
export const PublishMessageRequestSchema = z.object({
  content: ContentSchema,
  author: ServerAuthorSchema.default({ type: 'system' }),
});
export type PublishMessageRequest = z.infer<typeof PublishMessageRequestSchema>;

/** The stored message (201), or the copy stored by an earlier request with the same Idempotency-Key (200, `duplicate: true`). */
export const PublishMessageResponseSchema = z.object({ message: ChatMessageSchema, duplicate: z.boolean() });
export type PublishMessageResponse = z.infer<typeof PublishMessageResponseSchema>;

/** Most rooms one broadcast may name. */
export const BROADCAST_ROOMS_MAX = 100;

/** Body of `POST /api/server/broadcast/`: one message to each room (each its own seq; Idempotency-Key per room). */
export const BroadcastRequestSchema = PublishMessageRequestSchema.extend({
  room_ids: z
    .array(RoomIdSchema)
    .min(1)
    .max(BROADCAST_ROOMS_MAX)
    .refine((ids) => new Set(ids).size === ids.length, { error: 'room_ids must not repeat' }),
});
export type BroadcastRequest = z.infer<typeof BroadcastRequestSchema>;

/** Per room, in request order: its message, or the error that room answered (the others are not undone). */
export const BroadcastResponseSchema = z.object({
  results: z.array(
    z.union([
      z.object({ room_id: RoomIdSchema, ok: z.literal(true), message: ChatMessageSchema, duplicate: z.boolean() }),
      z.object({ room_id: RoomIdSchema, ok: z.literal(false), error: ErrorDataSchema }),
    ]),
  ),
});
export type BroadcastResponse = z.infer<typeof BroadcastResponseSchema>;

/** Path parameters of `/api/server/users/{user_id}/...`. */
export const UserParamsSchema = z.object({ user_id: UserIdSchema });

/**
 * Body of `POST /api/server/users/{user_id}/disconnect/`: every socket of the user, on every
 * gateway, is told `reason` and closed; `reconnect: false` (default) closes with 4403 (the SDK
 * stays disconnected), `true` with 1012 (it reconnects with backoff).
 */
export const DisconnectUserRequestSchema = z.object({
  reason: z.string().trim().min(1).max(100).default('disconnected by the server'),
  reconnect: z.boolean().default(false),
});
export type DisconnectUserRequest = z.infer<typeof DisconnectUserRequestSchema>;

/** Body of `POST /api/server/rooms/`: a named room, with an optional owner (a user of yours). */
export const ServerCreateRoomRequestSchema = CreateNamedRoomRequestSchema.omit({ type: true }).extend({ owner: UserIdSchema.optional() });
export type ServerCreateRoomRequest = z.infer<typeof ServerCreateRoomRequestSchema>;

/** Body of `PATCH /api/server/rooms/{room_id}/`: make a room private or public. */
export const ServerUpdateRoomRequestSchema = z.object({ visibility: RoomVisibilitySchema });
export type ServerUpdateRoomRequest = z.infer<typeof ServerUpdateRoomRequestSchema>;

/** Body of `PUT /api/server/rooms/{room_id}/members/{user_id}/`: add the member, or set their role. */
export const ServerPutMemberRequestSchema = z.object({ role: RoomRoleSchema.exclude(['owner']).default('member') });
export type ServerPutMemberRequest = z.infer<typeof ServerPutMemberRequestSchema>;

/** What a moderation action did; each is one entry of the audit log. */
export const ModerationActionSchema = z.enum(['mute', 'unmute', 'ban', 'unban', 'slow_mode', 'remove_member', 'disconnect']);
export type ModerationAction = z.infer<typeof ModerationActionSchema>;

/** Longest mute: 30 days. */
export const MUTE_MAX_SECONDS = 30 * 24 * 3600;

/** Body of `POST …/rooms/{room_id}/mutes/`: the user's sends get PERMISSION_DENIED with `details.until` for `duration_seconds`. */
export const MuteRequestSchema = z.object({ user_id: UserIdSchema, duration_seconds: z.int().min(1).max(MUTE_MAX_SECONDS) });
export type MuteRequest = z.infer<typeof MuteRequestSchema>;

export const MuteSchema = z.object({ room_id: RoomIdSchema, user_id: UserIdSchema, until: IsoDateTimeSchema });
export type Mute = z.infer<typeof MuteSchema>;

/** Body of `POST …/rooms/{room_id}/bans/`: removed from the room at once, and cannot enter or post again until unbanned. */
export const BanRequestSchema = z.object({ user_id: UserIdSchema, reason: z.string().trim().max(200).optional() });
export type BanRequest = z.infer<typeof BanRequestSchema>;

export const BanSchema = z.object({ room_id: RoomIdSchema, user_id: UserIdSchema, banned_at: IsoDateTimeSchema });
export type Ban = z.infer<typeof BanSchema>;

/** Body of `PUT …/rooms/{room_id}/slow-mode/`: at most one message per `seconds` per user (owners and admins exempt); 0 turns it off. */
export const SlowModeRequestSchema = z.object({ seconds: z.int().min(0).max(86_400) });
export type SlowModeRequest = z.infer<typeof SlowModeRequestSchema>;

export const SlowModeSchema = SlowModeRequestSchema.extend({ room_id: RoomIdSchema });

/** One audited action: `actor` is `key:<key id>` (the server API) or `user:<user id>` (an owner or admin). */
export const AuditEntrySchema = z.object({
  audit_id: z.int().min(1),
  at: IsoDateTimeSchema,
  actor: z.string(),
  action: ModerationActionSchema,
  room_id: RoomIdSchema.nullable(),
  target_user_id: UserIdSchema.nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** Query of `GET /api/server/audit/`: newest first; `before_id` pages back, `room_id` filters. */
export const AuditQuerySchema = z.object({
  room_id: RoomIdSchema.optional(),
  limit: z.coerce.number<unknown>().int().min(1).max(100).default(50),
  before_id: z.coerce.number<unknown>().int().min(1).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditPageSchema = z.object({ entries: z.array(AuditEntrySchema) });
export type AuditPage = z.infer<typeof AuditPageSchema>;
