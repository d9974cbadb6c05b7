import * as z from 'zod';

import { IsoDateTimeSchema, RoomIdSchema, UserIdSchema } from './ids.js';
import { MessageDeletedDataSchema, MessageEditedDataSchema } from './events.js';
import { ChatMessageSchema } from './messages.js';
import { RoomRoleSchema } from './rooms.js';

/**
 * Webhooks: the events a deployment's backend hears (each POSTed as one {@link WebhookEvent},
 * signed with `Parley-Signature`), and the server API's shapes that register endpoints and list
 * and replay dead letters. No payload carries a session id: a session id is a credential.
 */

export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'message.edited',
  'message.deleted',
  'room.member_added',
  'room.member_removed',
  'user.online',
  'user.offline',
  'room.vacated',
] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/** The signature header: `t=<ms since epoch>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'parley-signature';

const RoomMemberDataSchema = z.object({ room_id: RoomIdSchema, user_id: UserIdSchema });

const envelope = <T extends WebhookEventType, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    /** Unique per event, the same on every retry and replay: the receiver's de-duplication key. */
    id: z.uuid(),
    type: z.literal(type),
    /** When it happened (the commit of a stored change), ms since the epoch. */
    timestamp: z.int().nonnegative(),
    data,
  });

/** One event; `data` depends on `type`. */
export const WebhookEventSchema = z.discriminatedUnion('type', [
  /** A message was stored (after its commit); `data` is the message as history serves it. */
  envelope('message.created', ChatMessageSchema),
  /** A message's content changed (`data` as the `message_edited` frame: the event's own id and seq in the room, the editor). */
  envelope('message.edited', MessageEditedDataSchema),
  /** A message became a tombstone (`data` as the `message_deleted` frame: who deleted it). */
  envelope('message.deleted', MessageDeletedDataSchema),
  envelope('room.member_added', RoomMemberDataSchema.extend({ role: RoomRoleSchema })),
  envelope('room.member_removed', RoomMemberDataSchema),
  /** The user's first connection anywhere (not one per tab), after the grace period. */
  envelope('user.online', z.object({ user_id: UserIdSchema })),
  /** The user's last connection closed and none came back within the grace period. */
  envelope('user.offline', z.object({ user_id: UserIdSchema })),
  /** The last online user left the room. */
  envelope('room.vacated', z.object({ room_id: RoomIdSchema })),
]);
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/** One delivery on the JetStream deliveries stream: an event for one endpoint. */
export const WebhookDeliverySchema = z.object({ webhook_id: z.uuid(), event: WebhookEventSchema });
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookIdParamsSchema = z.object({ webhook_id: z.uuid() });
export const DeadLetterIdParamsSchema = z.object({ dead_letter_id: z.uuid() });

/** `POST /api/server/webhooks`. */
export const CreateWebhookBodySchema = z.object({
  /** Where events are POSTed (http or https). */
  url: z.url({ protocol: /^https?$/ }).max(2048),
  /** The event types this endpoint hears. */
  events: z.array(WebhookEventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length),
  /** The HMAC key of `Parley-Signature`; kept to sign, never returned. */
  secret: z.string().min(16).max(256),
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBodySchema>;

/** A registered endpoint (its secret is never shown). */
export const WebhookSchema = z.object({
  webhook_id: z.uuid(),
  url: z.string(),
  events: z.array(WebhookEventTypeSchema),
  created_at: IsoDateTimeSchema,
});
export type Webhook = z.infer<typeof WebhookSchema>;
export const WebhookListSchema = z.object({ webhooks: z.array(WebhookSchema) });

/** An event an endpoint never accepted within the redelivery limit. */
export const DeadLetterSchema = z.object({
  dead_letter_id: z.uuid(),
  webhook_id: z.uuid(),
  event: WebhookEventSchema,
  attempts: z.int().positive(),
  /** The last attempt's failure: an HTTP status or a network error. */
  last_error: z.string(),
  failed_at: IsoDateTimeSchema,
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;
export const DeadLetterListSchema = z.object({ dead_letters: z.array(DeadLetterSchema) });
