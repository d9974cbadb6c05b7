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

/** Default category of a room created without one. */
export const DEFAULT_ROOM_CATEGORY = 'general';

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
 * Body of `POST /api/rooms/`. `name` 1–100 and `description` ≤ 500 characters (code points,
 * after trimming; absent description → ""); `category` defaults to "general". An existing
 * `room_id` is a CONFLICT (409).
 */
export const CreateRoomRequestSchema = z.object({
  room_id: RoomIdSchema,
  name: humanText(1, 100, 'Room name'),
  description: humanText(0, 500, 'Room description').default(''),
  category: CategorySchema.default(DEFAULT_ROOM_CATEGORY),
});
export type CreateRoomRequest = z.infer<typeof CreateRoomRequestSchema>;

/** Body of `POST /api/rooms/{room_id}/join/`. Unknown room → ROOM_NOT_FOUND (404). */
export const JoinRoomRequestSchema = z.object({
  session_id: SessionIdSchema,
});
export type JoinRoomRequest = z.infer<typeof JoinRoomRequestSchema>;

/**
 * Response of `POST /api/rooms/{room_id}/join/`. Joining is idempotent: joining again returns
 * the original `joined_at`. `active_users` counts distinct users online in the room now.
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
