import type { ApiKeyScope, DurableEventType, RoomRole, RoomType, RoomVisibility, WebhookEvent, WebhookEventType } from '@parley/protocol';
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Row types of the api's tables; the migrations in ./migrations are their source. */
export interface Database {
  rooms: RoomsTable;
  sessions: SessionsTable;
  memberships: MembershipsTable;
  room_members: RoomMembersTable;
  direct_rooms: DirectRoomsTable;
  messages: MessagesTable;
  api_keys: ApiKeysTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_outbox: WebhookOutboxTable;
  webhook_dead_letters: WebhookDeadLettersTable;
  room_events: RoomEventsTable;
  message_reactions: MessageReactionsTable;
  read_positions: ReadPositionsTable;
  room_mutes: RoomMutesTable;
  room_bans: RoomBansTable;
  slow_mode_posts: SlowModePostsTable;
  moderation_audit: ModerationAuditTable;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;
/** bigint columns: pg returns int8 as a string; counters stay far below 2^53, so they are parsed (see db.ts). */
type Counter = ColumnType<number, number | undefined, number>;

export interface RoomsTable {
  room_id: string;
  name: string;
  description: string;
  category: string;
  /** The last `seq` handed out in this room: the gap-free per-room counter. */
  last_seq: Counter;
  created_at: CreatedAt;
  visibility: ColumnType<RoomVisibility, RoomVisibility | undefined, RoomVisibility>;
  /** Slow mode: at most one message per this many seconds per user; 0 is off. */
  slow_mode_seconds: ColumnType<number, number | undefined, number>;
  type: ColumnType<RoomType, RoomType | undefined, never>;
}

export interface SessionsTable {
  session_id: Generated<string>;
  user_id: string;
  is_guest: ColumnType<boolean, boolean | undefined, never>;
  preferences: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
  expires_at: Date;
  closed_at: ColumnType<Date | null, never, Date | null>;
  last_activity: ColumnType<Date, Date | undefined, Date>;
  messages_received: Counter;
  connection_seconds: ColumnType<number, number | undefined, number>;
}

export interface MembershipsTable {
  room_id: string;
  session_id: string;
  joined_at: CreatedAt;
}

/** Who may enter a private room, and who manages a room; by user, not by session. */
export interface RoomMembersTable {
  room_id: string;
  user_id: string;
  role: RoomRole;
  added_at: CreatedAt;
}

/** The room of each pair of users (`user_low` < `user_high`), so a direct room's id need not be derivable. */
export interface DirectRoomsTable {
  user_low: string;
  user_high: string;
  room_id: string;
}

export interface MessagesTable {
  message_id: Generated<string>;
  room_id: string;
  seq: number;
  /** The session it was sent from; null for an author without one (a bot, a server-side caller). */
  session_id: string | null;
  user_id: string;
  content: string;
  client_msg_id: string | null;
  created_at: CreatedAt;
  /** Set by an edit (the content is then the edited one). */
  edited_at: ColumnType<Date | null, never, Date | null>;
  /** Set by a delete (the content is then empty). */
  deleted_at: ColumnType<Date | null, never, Date | null>;
  /** The seq of the last event applied to the message; null until one is. */
  state_seq: ColumnType<number | null, never, number>;
}

/** Edits, deletes and reactions: the room's log besides its messages, on the same seq counter. */
export interface RoomEventsTable {
  event_id: Generated<string>;
  room_id: string;
  seq: number;
  type: DurableEventType;
  /** The message the event changes. */
  message_id: string;
  /** Who changed it. */
  user_id: string;
  /** An edit's content; null for other events, and once the message is deleted. */
  content: string | null;
  emoji: string | null;
  client_msg_id: string | null;
  created_at: CreatedAt;
}

/** One row per user, emoji and message: the current reactions. */
export interface MessageReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: CreatedAt;
}

/** Keys of the server API: the secret only as its SHA-256 (hex). */
export interface ApiKeysTable {
  key_id: string;
  name: string;
  secret_sha256: string;
  scopes: ColumnType<ApiKeyScope[], ApiKeyScope[], never>;
  created_at: CreatedAt;
  revoked_at: ColumnType<Date | null, never, Date | null>;
  last_used_at: ColumnType<Date | null, never, Date | null>;
}

/** A registered webhook endpoint (migration `webhooks`). */
export interface WebhookEndpointsTable {
  webhook_id: Generated<string>;
  url: string;
  events: WebhookEventType[];
  secret: string;
  created_at: CreatedAt;
}

/** Events committed with their change, waiting for the relay to publish them to JetStream. */
export interface WebhookOutboxTable {
  position: Generated<number>;
  event_id: Generated<string>;
  type: WebhookEventType;
  /** The change as JSON (a message row without its session id, or a membership). */
  data: ColumnType<Record<string, unknown>, string, never>;
  created_at: CreatedAt;
}

export interface WebhookDeadLettersTable {
  dead_letter_id: Generated<string>;
  webhook_id: string;
  event_id: string;
  event: ColumnType<WebhookEvent, string, never>;
  attempts: number;
  last_error: string;
  failed_at: CreatedAt;
}

/** Per user and room, the highest seq read (reads/). */
export interface ReadPositionsTable {
  room_id: string;
  user_id: string;
  read_seq: Counter;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** A user muted in a room until `until`. */
export interface RoomMutesTable {
  room_id: string;
  user_id: string;
  until: Date;
  created_at: CreatedAt;
}

/** A user banned from a room: cannot enter it or post in it. */
export interface RoomBansTable {
  room_id: string;
  user_id: string;
  created_at: CreatedAt;
}

/** Each user's last accepted post in a slow-mode room. */
export interface SlowModePostsTable {
  room_id: string;
  user_id: string;
  posted_at: Date;
}

/** Every moderation action: `actor` is `key:<key id>` or `user:<user id>`. */
export interface ModerationAuditTable {
  audit_id: Generated<number>;
  at: CreatedAt;
  actor: string;
  action: string;
  room_id: string | null;
  target_user_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
}

export type RoomRow = Selectable<RoomsTable>;
export type RoomMemberRow = Selectable<RoomMembersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type RoomEventRow = Selectable<RoomEventsTable>;
export type NewMessage = Insertable<MessagesTable>;
