import * as z from 'zod';

import { CategorySchema, IsoDateTimeSchema, RoomIdSchema, SessionIdSchema, UserIdSchema } from './ids.js';
import { DEFAULT_LIMITS, DEFAULT_PAGE_LIMIT } from './limits.js';
import { OffsetSchema, PaginationSchema, pageLimitSchema } from './pagination.js';
import { codePointLength, hasControlChars, hasLoneSurrogate } from './text.js';

/**
 * REST shapes of `/api/rooms/`: list, create, join, leave, presence.
 */

/** Human text: trimmed, at most `max` code points, no control chars, well-formed Unicode. */
function humanText(min: number, max: number, what: string) {
  return z
    .string()
    .trim()
    .refine((s) => codePointLength(s) >= min, { error: `${what} must not be empty` })
    .refine((s) => codePointLength(s) <= max, { error: `${what} must be at most ${max} characters` })
    .refine((s) => !hasControlChars(s), { error: `${what} must not contain control characters` })
    .refine((s) => !hasLoneSurrogate(s), { error: `${what} must be well-formed Unicode` });
}

/** Every direct room's id starts with this (the rest is random); named rooms may not use it. */
export const DIRECT_ROOM_PREFIX = 'dm-';

/** Default category of a room created without one. */
export const DEFAULT_ROOM_CATEGORY = 'general';

/**
 * `public`: anyone may list, read and enter it. `private`: only its members; to everyone else it
 * does not exist (absent from lists, 404 over REST, PERMISSION_DENIED over WebSocket).
 */
export const RoomVisibilitySchema = z.enum(['public', 'private']);
export type RoomVisibility = z.infer<typeof RoomVisibilitySchema>;

/** `room`: a named room; `direct`: the one private room of a pair of users. */
export const RoomTypeSchema = z.enum(['room', 'direct']);
export type RoomType = z.infer<typeof RoomTypeSchema>;

/**
 * A user's role in a room. `owner`: its creator (one per room, cannot be removed or demoted);
 * `admin`: adds and removes members, changes roles below owner; `member`: may read and post.
 */
export const RoomRoleSchema = z.enum(['owner', 'admin', 'member']);
export type RoomRole = z.infer<typeof RoomRoleSchema>;

/** A room as listed by `GET /api/rooms/`. `active_users` is distinct users online now (presence). */
export const RoomSchema = z.object({
  room_id: RoomIdSchema,
  // Read-side bounds are in UTF-16 code units, twice the create limits (which count code
  // points), so every name and description a create request accepts also validates here.
  name: z.string().min(1).max(200),
  /** May be empty. */
  description: z.string().max(1_000),
  category: CategorySchema,
  active_users: z.int().nonnegative(),
  created_at: IsoDateTimeSchema,
  // Defaults: the seed's room object predates both fields, and its examples still parse.
  visibility: RoomVisibilitySchema.default('public'),
  type: RoomTypeSchema.default('room'),
  /** In `GET /api/rooms/` for an identified caller: their read position and unread count (reads.ts). */
  read_seq: z.int().nonnegative().optional(),
  unread: z.int().nonnegative().optional(),
});
export type Room = z.infer<typeof RoomSchema>;

/**
 * Query of `GET /api/rooms/` (strings, coerced): `limit` default 50, < 1 or non-integer → 400,
 * > 100 clamped to 100 (the applied value is echoed in `pagination.limit`); `offset` default 0,
 * integer ≥ 0; `category` optional slug filter.
 */
export const ListRoomsQuerySchema = z.object({
  limit: pageLimitSchema(DEFAULT_PAGE_LIMIT, DEFAULT_LIMITS.history_page_max),
  offset: OffsetSchema,
  category: CategorySchema.optional(),
});
export type ListRoomsQuery = z.infer<typeof ListRoomsQuerySchema>;

/** Response of `GET /api/rooms/`, ordered by `room_id`. */
export const ListRoomsResponseSchema = z.object({
  rooms: z.array(RoomSchema),
  pagination: PaginationSchema,
});
export type ListRoomsResponse = z.infer<typeof ListRoomsResponseSchema>;

/** Path parameters of `/api/rooms/{room_id}/...`. A malformed id is a VALIDATION_ERROR (400). */
export const RoomParamsSchema = z.object({
  room_id: RoomIdSchema,
});
export type RoomParams = z.infer<typeof RoomParamsSchema>;

/**
 * Body of `POST /api/rooms/` for a named room (`type` absent or `room`). `name` 1–100 and
 * `description` ≤ 500 characters (code points, after trimming; absent description → "");
 * `category` defaults to "general"; `visibility` to `public`. An existing `room_id` is a
 * CONFLICT (409). The caller becomes its `owner`.
 */
export const CreateNamedRoomRequestSchema = z.object({
  type: z.literal('room').optional(),
  room_id: RoomIdSchema.refine((id) => !id.startsWith(DIRECT_ROOM_PREFIX), {
    error: `Room ids starting with ${DIRECT_ROOM_PREFIX} are reserved for direct conversations`,
  }),
  name: humanText(1, 100, 'Room name'),
  description: humanText(0, 500, 'Room description').default(''),
  category: CategorySchema.default(DEFAULT_ROOM_CATEGORY),
  visibility: RoomVisibilitySchema.default('public'),
});
export type CreateNamedRoomRequest = z.infer<typeof CreateNamedRoomRequestSchema>;

/**
 * Body of `POST /api/rooms/` for a direct conversation: the one private room of two distinct
 * users, one of them the caller. Idempotent: whichever of the two asks, the same room comes back
 * (201 when created, 200 when it existed).
 */
export const CreateDirectRoomRequestSchema = z.object({
  type: z.literal('direct'),
  user_ids: z.tuple([UserIdSchema, UserIdSchema]).refine(([a, b]) => a !== b, { error: 'user_ids must name two different users' }),
});
export type CreateDirectRoomRequest = z.infer<typeof CreateDirectRoomRequestSchema>;

/** Body of `POST /api/rooms/`: a named room, or a direct conversation (`type: "direct"`). */
export const CreateRoomRequestSchema = z.discriminatedUnion('type', [CreateNamedRoomRequestSchema, CreateDirectRoomRequestSchema]);
export type CreateRoomRequest = z.infer<typeof CreateRoomRequestSchema>;

/** A membership: who is in a room and with which role. */
export const RoomMemberSchema = z.object({
  room_id: RoomIdSchema,
  user_id: UserIdSchema,
  role: RoomRoleSchema,
  added_at: IsoDateTimeSchema,
});
export type RoomMember = z.infer<typeof RoomMemberSchema>;

/** Response of `GET /api/rooms/{room_id}/members/` (members only for a private room). */
export const ListMembersResponseSchema = z.object({
  room_id: RoomIdSchema,
  members: z.array(RoomMemberSchema),
});
export type ListMembersResponse = z.infer<typeof ListMembersResponseSchema>;

/** Body of `POST /api/rooms/{room_id}/members/` (owners and admins). `owner` cannot be granted. */
export const AddMemberRequestSchema = z.object({
  user_id: UserIdSchema,
  role: z.enum(['admin', 'member']).default('member'),
});
export type AddMemberRequest = z.infer<typeof AddMemberRequestSchema>;

/** Body of `PATCH /api/rooms/{room_id}/members/{user_id}/` (owners and admins). */
export const UpdateMemberRequestSchema = z.object({
  role: z.enum(['admin', 'member']),
});
export type UpdateMemberRequest = z.infer<typeof UpdateMemberRequestSchema>;

/** Path parameters of `/api/rooms/{room_id}/members/{user_id}/`. */
export const MemberParamsSchema = z.object({
  room_id: RoomIdSchema,
  user_id: UserIdSchema,
});
export type MemberParams = z.infer<typeof MemberParamsSchema>;

/** Body of `POST /api/rooms/{room_id}/join/`. Unknown room → ROOM_NOT_FOUND (404). */
export const JoinRoomRequestSchema = z.object({
  session_id: SessionIdSchema,
});
export type JoinRoomRequest = z.infer<typeof JoinRoomRequestSchema>;

/**
 * Response of `POST /api/rooms/{room_id}/join/`. Joining is idempotent: joining again returns
 * the original `joined_at`. `active_users` counts distinct users online in the room now, the
 * joiner included (the seed's example goes from 25 listed to 26 after a join).
 */
export const JoinRoomResponseSchema = z.object({
  room_id: RoomIdSchema,
  session_id: SessionIdSchema,
  joined_at: IsoDateTimeSchema,
  active_users: z.int().nonnegative(),
});
export type JoinRoomResponse = z.infer<typeof JoinRoomResponseSchema>;

/** Body of `POST /api/rooms/{room_id}/leave/`. */
export const LeaveRoomRequestSchema = z.object({
  session_id: SessionIdSchema,
});
export type LeaveRoomRequest = z.infer<typeof LeaveRoomRequestSchema>;

/** Response of `POST /api/rooms/{room_id}/leave/`. Leaving a room not joined is not an error. */
export const LeaveRoomResponseSchema = z.object({
  room_id: RoomIdSchema,
  session_id: SessionIdSchema,
  left_at: IsoDateTimeSchema,
  active_users: z.int().nonnegative(),
});
export type LeaveRoomResponse = z.infer<typeof LeaveRoomResponseSchema>;

/**
 * Response of `GET /api/rooms/{room_id}/presence/` (also the bus reply to a room presence
 * request): distinct users online in the room, sorted; `count === users.length`.
 */
export const RoomPresenceResponseSchema = z.object({
  room_id: RoomIdSchema,
  users: z.array(UserIdSchema),
  count: z.int().nonnegative(),
});
export type RoomPresenceResponse = z.infer<typeof RoomPresenceResponseSchema>;
