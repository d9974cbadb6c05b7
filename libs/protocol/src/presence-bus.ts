import * as z from 'zod';

import { BUS_BATCH_MAX } from './bus.js';
import { ConnectionIdSchema, InstanceIdSchema, RoomIdSchema, SessionIdSchema, TimestampMsSchema, UserIdSchema } from './ids.js';

/**
 * Presence and health payloads on NATS. Presence is soft state: entries expire unless a
 * gateway refreshes them, so a crashed gateway's users disappear by themselves.
 */

const connectionFields = {
  gateway_id: InstanceIdSchema,
  connection_id: ConnectionIdSchema,
  session_id: SessionIdSchema,
  user_id: UserIdSchema,
  /** When it happened on the gateway, ms since epoch. */
  at: TimestampMsSchema,
};

/**
 * Gateway → presence (queue group: each event handled once). `connect`/`disconnect`: a
 * connection opened/closed; `join`/`leave`: it joined/left `room_id`; `refresh`: the full list
 * of the gateway's live connections, re-sent every heartbeat, which extends their expiry by
 * `ttl_ms` (at most {@link BUS_BATCH_MAX} connections per message; a gateway splits larger lists).
 */
export const PresenceEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('connect'), ...connectionFields }),
  z.object({ kind: z.literal('disconnect'), ...connectionFields }),
  z.object({ kind: z.literal('join'), ...connectionFields, room_id: RoomIdSchema }),
  z.object({ kind: z.literal('leave'), ...connectionFields, room_id: RoomIdSchema }),
  z.object({
    kind: z.literal('refresh'),
    gateway_id: InstanceIdSchema,
    connections: z
      .array(
        z.object({
          connection_id: ConnectionIdSchema,
          session_id: SessionIdSchema,
          user_id: UserIdSchema,
          rooms: z.array(RoomIdSchema).max(BUS_BATCH_MAX),
        }),
      )
      .max(BUS_BATCH_MAX),
    ttl_ms: z.int().positive(),
    at: TimestampMsSchema,
  }),
]);
export type PresenceEvent = z.infer<typeof PresenceEventSchema>;
export type PresenceEventKind = PresenceEvent['kind'];

/**
 * API → presence: distinct online users per room, for room listings.
 * Reply: {@link PresenceCountsReplySchema}.
 */
export const PresenceCountsRequestSchema = z.object({
  room_ids: z.array(RoomIdSchema).max(BUS_BATCH_MAX),
});
export type PresenceCountsRequest = z.infer<typeof PresenceCountsRequestSchema>;

/** Count per requested room id (0 for a room nobody is in). */
export const PresenceCountsReplySchema = z.object({
  counts: z.record(RoomIdSchema, z.int().nonnegative()),
});
export type PresenceCountsReply = z.infer<typeof PresenceCountsReplySchema>;

/** Any service → presence: is this user online anywhere, and with how many connections? */
export const UserPresenceRequestSchema = z.object({
  user_id: UserIdSchema,
});
export type UserPresenceRequest = z.infer<typeof UserPresenceRequestSchema>;

/** `online` is true while the user has at least one live connection (tabs and devices counted in `connections`). */
export const UserPresenceReplySchema = z.object({
  user_id: UserIdSchema,
  online: z.boolean(),
  connections: z.int().nonnegative(),
});
export type UserPresenceReply = z.infer<typeof UserPresenceReplySchema>;

/** API → presence: who is in one room. Reply: `RoomPresenceResponseSchema`. */
export const RoomPresenceRequestSchema = z.object({
  room_id: RoomIdSchema,
});
export type RoomPresenceRequest = z.infer<typeof RoomPresenceRequestSchema>;

/**
 * Presence → every instance (scatter-gather): report your health. Empty body. Each live
 * instance answers with `InstanceHealthSchema`; instances that do not answer in time count as
 * missing.
 */
export const HealthProbeRequestSchema = z.object({});
export type HealthProbeRequest = z.infer<typeof HealthProbeRequestSchema>;
