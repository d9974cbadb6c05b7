import {
  AppendEventReplySchema,
  AppendEventRequestSchema,
  AppendMessageReplySchema,
  AppendMessageRequestSchema,
  busReplySchema,
  HealthProbeRequestSchema,
  InstanceHealthSchema,
  PresenceCountsReplySchema,
  PresenceCountsRequestSchema,
  PresenceEventSchema,
  ResolveSessionRequestSchema,
  RoomAccessReplySchema,
  RoomAccessRequestSchema,
  RoomHistoryRequestSchema,
  EventsPageSchema,
  MarkReadBusRequestSchema,
  ReadPositionSchema,
  RoomEventSchema,
  RoomIdSchema,
  RoomPresenceRequestSchema,
  RoomPresenceResponseSchema,
  UserPresenceReplySchema,
  UserPresenceRequestSchema,
  SessionControlSchema,
  UserControlSchema,
  SessionInfoSchema,
  SessionStatsReportSchema,
  type RoomEvent,
  type WebhookEventType,
} from '@parley/protocol';

import { defineEndpoint, defineTopic, defineTopicPattern, literalSubject } from './define.js';
import { BusSubjectError } from './errors.js';
import type { Topic, TopicPattern } from './types.js';

/**
 * The catalogue: every NATS subject Parley uses, with its payload schema and default queue
 * group. The only file that spells subjects; services import `subjects` and never build one.
 * Subjects below are logical: a bus with `subjectPrefix` puts its prefix in front on the wire.
 */

/**
 * Queue groups. Members of one group share the work: each message or request goes to one of
 * them. Topics and endpoints below join theirs by default (a subscriber can opt out).
 */
export const QUEUE_GROUPS = Object.freeze({
  /** Every API instance: look-ups, appends, statistics (each report counted once). */
  api: 'parley-api',
  /** Every presence instance: presence events (each join/leave applied once) and queries. */
  presence: 'parley-presence',
} as const);

/** A room id as a subject token; anything but a slug (`^[a-z0-9][a-z0-9_-]{0,63}$`) throws. */
function roomToken(roomId: string): string {
  if (typeof roomId !== 'string' || !RoomIdSchema.safeParse(roomId).success) {
    const shown = String(roomId).slice(0, 80);
    throw new BusSubjectError(`invalid room id for a subject: ${JSON.stringify(shown)}`);
  }
  return roomId;
}

/**
 * Room topics already built, by room id: a topic is frozen, so one object serves every publish
 * to its room (building and checking it again cost each published message ~1.5 µs on the api).
 * Emptied when full, so rooms never seen again do not pile up.
 */
const roomTopics = new Map<string, Topic<RoomEvent>>();
const ROOM_TOPICS_MAX = 10_000;

function roomTopic(roomId: string): Topic<RoomEvent> {
  let topic = roomTopics.get(roomId);
  if (topic === undefined) {
    topic = defineTopic(`chat.room.${roomToken(roomId)}`, RoomEventSchema);
    if (roomTopics.size >= ROOM_TOPICS_MAX) roomTopics.clear();
    roomTopics.set(roomId, topic);
  }
  return topic;
}

export const subjects = Object.freeze({
  /**
   * `chat.room.<room_id>`: a room's events (stored messages after commit, membership system
   * events). Every subscriber hears every event (no queue group): gateways subscribe while they
   * have a local member. At-most-once; receivers detect holes by the `seq` of messages and durable events.
   * @throws BusSubjectError unless `roomId` is a slug.
   */
  chatRoom: (roomId: string): Topic<RoomEvent> => roomTopic(roomId),

  /**
   * `chat.room.*`: every room's events, to subscribe to (monitoring, tests); the handler finds
   * the room in `context.subject`.
   */
  chatRoomWildcard: (): TopicPattern<RoomEvent> => defineTopicPattern('chat.room.*', RoomEventSchema),

  /** Served by the API (queue group `api`): the gateway's look-ups and appends. */
  api: Object.freeze({
    /** `api.session.resolve`: which session a connecting socket belongs to. */
    resolveSession: defineEndpoint('api.session.resolve', ResolveSessionRequestSchema, busReplySchema(SessionInfoSchema), QUEUE_GROUPS.api),
    /** `api.room.access`: does a room exist and may this session enter it. */
    roomAccess: defineEndpoint('api.room.access', RoomAccessRequestSchema, busReplySchema(RoomAccessReplySchema), QUEUE_GROUPS.api),
    /** `api.room.history`: a page of a room's log (messages and durable events) for a gateway's catch-up (after the access check). */
    roomHistory: defineEndpoint('api.room.history', RoomHistoryRequestSchema, busReplySchema(EventsPageSchema), QUEUE_GROUPS.api),
    /** `api.message.append`: store a chat message; the reply comes only after the commit. */
    appendMessage: defineEndpoint('api.message.append', AppendMessageRequestSchema, busReplySchema(AppendMessageReplySchema), QUEUE_GROUPS.api),
    /** `api.event.append`: store a durable event (edit, delete, reaction); the reply comes only after the commit. */
    appendEvent: defineEndpoint('api.event.append', AppendEventRequestSchema, busReplySchema(AppendEventReplySchema), QUEUE_GROUPS.api),
    /** `api.room.markRead`: move a session's user's read position forward; the reply is the position after it. */
    markRead: defineEndpoint('api.room.markRead', MarkReadBusRequestSchema, busReplySchema(ReadPositionSchema), QUEUE_GROUPS.api),
    /** `api.stats.report`: gateways' per-session counter increments; one API instance adds each report. */
    statsReport: defineTopic('api.stats.report', SessionStatsReportSchema, QUEUE_GROUPS.api),
  }),

  /** `gateway.session.control`: API → every gateway (no queue group): make live connections follow a REST change. */
  sessionControl: defineTopic('gateway.session.control', SessionControlSchema),

  /** `gateway.user.control`: API → every gateway (no queue group): make a user's live connections follow a membership change. */
  userControl: defineTopic('gateway.user.control', UserControlSchema),

  /** `presence.events`: gateways → presence (queue group `presence`): connects, joins, heartbeats, leaves. */
  presenceEvents: defineTopic('presence.events', PresenceEventSchema, QUEUE_GROUPS.presence),

  /** Served by presence (queue group `presence`). */
  presence: Object.freeze({
    /** `presence.counts`: online counts. */
    counts: defineEndpoint('presence.counts', PresenceCountsRequestSchema, busReplySchema(PresenceCountsReplySchema), QUEUE_GROUPS.presence),
    /** `presence.room`: who is in a room. */
    room: defineEndpoint('presence.room', RoomPresenceRequestSchema, busReplySchema(RoomPresenceResponseSchema), QUEUE_GROUPS.presence),
    /** `presence.user`: whether a user is online anywhere. */
    user: defineEndpoint('presence.user', UserPresenceRequestSchema, busReplySchema(UserPresenceReplySchema), QUEUE_GROUPS.presence),
  }),

  /**
   * `health.probe`: scatter-gather (`bus.gather`) to every live instance of every service, no
   * queue group: each instance answers with its own health.
   */
  healthProbe: defineEndpoint('health.probe', HealthProbeRequestSchema, busReplySchema(InstanceHealthSchema)),
});

/**
 * JetStream subjects of webhooks, on the wire (JetStream is used directly, not through a Bus, so
 * the deployment's `BUS_SUBJECT_PREFIX` is applied here): `webhooks.event.<type>` (every event,
 * once) and `webhooks.delivery.<webhook_id>` (one event for one endpoint).
 */
export function webhookSubjects(prefix: string | undefined) {
  const head = prefix ? `${literalSubject(prefix, 'subject prefix')}.` : '';
  return Object.freeze({
    event: (type: WebhookEventType): string => literalSubject(`${head}webhooks.event.${type.replace('.', '_')}`),
    events: `${head}webhooks.event.>`,
    delivery: (webhookId: string): string => literalSubject(`${head}webhooks.delivery.${webhookId}`),
    deliveries: `${head}webhooks.delivery.*`,
  });
}
