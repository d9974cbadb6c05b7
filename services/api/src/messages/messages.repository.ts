import type { AppendMessageReply, ErrorData, ReactionCount } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/db.js';
import type { MessageRow } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';
import { toStoredMessage } from './messages.mapper.js';

export interface HistoryQuery {
  roomId: string;
  limit: number;
  /** Only seqs strictly below this (scrolling back). */
  beforeSeq?: number | undefined;
  /** Only seqs strictly above this (catch-up after a reconnect); the page then holds the oldest matches, not the newest. */
  afterSeq?: number | undefined;
  /** Whose `me` the reactions tell; nobody's when absent. */
  readerId?: string | undefined;
}

/** A history row: the message in its current state and its reaction counts, read in the same statement. */
export type HistoryRow = MessageRow & { reactions: ReactionCount[] };

/**
 * One page of a room's history, served by the (room_id, seq) unique index in either direction.
 * Fetches one extra row to know whether there is more without a count.
 */
export async function historyPage(db: Db, q: HistoryQuery): Promise<{ rows: HistoryRow[]; hasMore: boolean }> {
  // One statement, so one snapshot: a message's reactions are those of the state its `state_seq` names. Emoji in
  // code point order (bytes of UTF-8 under C), which a client keeping the state from events can reproduce.
  const reactions = sql<ReactionCount[]>`coalesce((
    SELECT json_agg(json_build_object('emoji', r.emoji, 'count', r.n, 'me', r.me) ORDER BY r.emoji COLLATE "C")
    FROM (SELECT emoji, count(*)::int AS n, coalesce(bool_or(user_id = ${q.readerId ?? null}), false) AS me
          FROM message_reactions WHERE message_reactions.message_id = messages.message_id GROUP BY emoji) r), '[]'::json)`;
  let query = db.selectFrom('messages').selectAll().select(reactions.as('reactions')).where('room_id', '=', q.roomId);
  if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
  if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
  query = query.orderBy('seq', q.afterSeq !== undefined ? 'asc' : 'desc');
  const rows = await query.limit(q.limit + 1).execute();
  const hasMore = rows.length > q.limit;
  return { rows: hasMore ? rows.slice(0, q.limit) : rows, hasMore };
}

/**
 * Who writes a message: a user, and the session they write from. `session_id: null` is a user
 * writing without a live session (a bot, a server-side caller).
 */
export interface Author {
  readonly user_id: string;
  readonly session_id: string | null;
}

export interface NewMessage {
  readonly room_id: string;
  readonly author: Author;
  readonly content: string;
  readonly client_msg_id: string | null;
  /** Admitted by the moderation gate (moderation/gate.ts); never set from a request. */
  readonly judged?: boolean;
}

/** A request that failed for its own reason (unknown room, closed session); the rest of its batch still commits. */
export class AppendRejected extends ApiError {
  constructor(readonly error: ErrorData) {
    super(error.error_code, error.error_message, error.details);
  }
}

/**
 * The sender must be judged by the moderation gate before the message may be stored (the room is
 * in slow mode, or they are banned or muted in it): the gate judges, then appends it again marked
 * `judged`. Reaching a caller only if no gate stands in front of the appender.
 */
export class JudgeFirst extends AppendRejected {
  constructor() {
    super({ error_code: 'INTERNAL_ERROR', error_message: 'This message must pass moderation, which is not running' });
  }
}

export type AppendOutcome = AppendMessageReply | { error: AppendRejected };

interface AppendRow extends MessageRow {
  request_index: number;
  outcome: 'stored' | 'duplicate' | 'room_not_found' | 'session_invalid' | 'not_member' | 'moderated';
}

const REJECTIONS = {
  room_not_found: (r: NewMessage): ErrorData => ({ error_code: 'ROOM_NOT_FOUND', error_message: `Room '${r.room_id}' does not exist` }),
  session_invalid: (): ErrorData => ({ error_code: 'AUTHENTICATION_ERROR', error_message: 'Session is unknown, expired or closed' }),
  not_member: (r: NewMessage): ErrorData => ({ error_code: 'PERMISSION_DENIED', error_message: `You may not post to room '${r.room_id}'` }),
};

/** The publish relay's notification of a batch (relay.ts): its channel, and each request's trace carrier (JSON) or null. */
export interface BatchNotify {
  readonly channel: string;
  readonly traces: readonly (string | null)[];
}

/**
 * The batch in one call of `parley_append_messages` (see its migrations for the locking,
 * de-duplication and moderation rules): one round trip, its own transaction. With `notify`, the
 * call is `parley_append_messages_notify`, which also notifies the relay of what it stored, in the
 * same statement (migration `append_one_statement`).
 */
export async function appendBatch(db: Db, requests: readonly NewMessage[], notify?: BatchNotify): Promise<AppendOutcome[]> {
  const batch = sql`${requests.map((r) => r.room_id)}::text[], ${requests.map((r) => r.author.session_id)}::uuid[],
      ${requests.map((r) => r.author.user_id)}::text[], ${requests.map((r) => r.content)}::text[],
      ${requests.map((r) => r.client_msg_id)}::text[], ${requests.map((r) => r.judged === true)}::boolean[]`;
  const { rows } = await (
    notify
      ? sql<AppendRow>`SELECT * FROM parley_append_messages_notify(${notify.channel}, ${notify.traces}::text[], ${batch})`
      : sql<AppendRow>`SELECT * FROM parley_append_messages(${batch})`
  ).execute(db);
  const outcome: AppendOutcome[] = [];
  for (const row of rows) {
    const request = requests[row.request_index - 1]!;
    outcome[row.request_index - 1] =
      row.outcome === 'stored' || row.outcome === 'duplicate'
        ? { message: toStoredMessage(row), duplicate: row.outcome === 'duplicate' }
        : row.outcome === 'moderated'
          ? { error: new JudgeFirst() }
          : { error: new AppendRejected(REJECTIONS[row.outcome](request)) };
  }
  return outcome;
}
