import type { AppendEventReply, DurableEvent, DurableEventType, ErrorData, LogEntry } from '@parley/protocol';
import { toChatMessage } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/db.js';
import { toStoredMessage, type StoredMessageRow } from './messages.mapper.js';
import { AppendRejected, type AppendOutcome, type Author, type NewMessage } from './messages.repository.js';

/** A durable event to append: `type` names the change, `message_id` the message it changes. */
export interface NewEvent {
  readonly type: DurableEventType;
  readonly room_id: string;
  readonly author: Author;
  readonly message_id: string;
  /** The new content of an edit. */
  readonly content?: string;
  /** The emoji of a reaction. */
  readonly emoji?: string;
  readonly client_msg_id: string | null;
}

export type LogRequest = NewMessage | NewEvent;

export const isEvent = (request: LogRequest): request is NewEvent => 'type' in request;

/** The rules an append enforces that a deployment chooses. */
export interface EventLimits {
  /** How long after posting its author may edit a message, in ms; 0: always. */
  readonly editWindowMs: number;
  /** Most distinct emoji on one message. */
  readonly maxReactions: number;
}

export type LogOutcome = AppendOutcome | AppendEventReply | { error: AppendRejected };

interface LogRow {
  request_index: number;
  outcome: string;
  type: string;
  event_id: string | null;
  message_id: string | null;
  room_id: string | null;
  seq: number | null;
  session_id: string | null;
  user_id: string | null;
  content: string | null;
  client_msg_id: string | null;
  emoji: string | null;
  created_at: Date | null;
}

const notFound = (r: LogRequest): ErrorData => ({
  error_code: 'NOT_FOUND',
  error_message: `No such message in room '${r.room_id}'`,
  details: { field: 'message_id', issue: 'No message with this id in this room, or it was deleted' },
});
const refused = (message: string): ErrorData => ({ error_code: 'PERMISSION_DENIED', error_message: message });
const badEmoji = (issue: string): ErrorData => ({ error_code: 'VALIDATION_ERROR', error_message: 'Invalid reaction', details: { field: 'emoji', issue } });

function rejection(outcome: string, r: LogRequest, limits: EventLimits): ErrorData {
  switch (outcome) {
    case 'room_not_found':
      return { error_code: 'ROOM_NOT_FOUND', error_message: `Room '${r.room_id}' does not exist` };
    case 'session_invalid':
      return { error_code: 'AUTHENTICATION_ERROR', error_message: 'Session is unknown, expired or closed' };
    case 'not_member':
      return refused(`You may not post to room '${r.room_id}'`);
    case 'message_not_found':
      return notFound(r);
    case 'not_author':
      return refused('Only its author may edit a message');
    case 'edit_window_closed':
      return refused(`A message may be edited only within ${limits.editWindowMs} ms of posting`);
    case 'not_allowed':
      return refused('Only its author or a room owner or admin may delete a message');
    case 'already_reacted':
      return badEmoji('You already reacted with this emoji');
    case 'not_reacted':
      return badEmoji('You have not reacted with this emoji');
    case 'too_many_reactions':
      return badEmoji(`A message may carry at most ${limits.maxReactions} distinct reactions`);
    default:
      return { error_code: 'INTERNAL_ERROR', error_message: 'The message store is unavailable; try again' };
  }
}

/** A stored event row in its public form (the log's and the bus's). */
export function toDurableEvent(row: {
  type: string;
  event_id: string | null;
  message_id: string | null;
  room_id: string | null;
  seq: number | null;
  user_id: string | null;
  content: string | null;
  client_msg_id: string | null;
  emoji: string | null;
  created_at: Date | null;
}): DurableEvent {
  const created = row.created_at!;
  const base = {
    event_id: row.event_id!,
    room_id: row.room_id!,
    seq: Number(row.seq),
    message_id: row.message_id!,
    user_id: row.user_id!,
    client_msg_id: row.client_msg_id,
    created_at: created.toISOString(),
    timestamp: created.getTime(),
  };
  switch (row.type) {
    case 'message_edited':
      return { type: 'message_edited', data: { ...base, content: row.content ?? '' } };
    case 'message_deleted':
      return { type: 'message_deleted', data: base };
    case 'reaction_added':
    case 'reaction_removed':
      return { type: row.type, data: { ...base, emoji: row.emoji! } };
    default:
      throw new Error(`unknown event type ${row.type}`);
  }
}

/**
 * A batch of messages and events in one call of `parley_append_events` (see its migration): one
 * round trip, its own transaction. Messages take their seqs first, then events in request order.
 */
export async function appendLogBatch(db: Db, requests: readonly LogRequest[], limits: EventLimits): Promise<LogOutcome[]> {
  const field = <T>(pick: (r: NewEvent) => T | undefined) => requests.map((r) => (isEvent(r) ? (pick(r) ?? null) : null));
  const { rows } = await sql<LogRow>`
    SELECT * FROM parley_append_events(
      ${requests.map((r) => (isEvent(r) ? r.type : 'message'))}::text[], ${requests.map((r) => r.room_id)}::text[],
      ${requests.map((r) => r.author.session_id)}::uuid[], ${requests.map((r) => r.author.user_id)}::text[],
      ${requests.map((r) => (isEvent(r) ? (r.content ?? null) : r.content))}::text[], ${requests.map((r) => r.client_msg_id)}::text[],
      ${field((r) => r.message_id)}::uuid[], ${field((r) => r.emoji)}::text[],
      ${limits.editWindowMs}::bigint, ${limits.maxReactions}::integer)`.execute(db);
  const outcome: LogOutcome[] = [];
  for (const row of rows) {
    const request = requests[row.request_index - 1]!;
    const duplicate = row.outcome === 'duplicate';
    if (row.outcome !== 'stored' && !duplicate) {
      outcome[row.request_index - 1] = { error: new AppendRejected(rejection(row.outcome, request, limits)) };
    } else if (row.type === 'message') {
      const message = toStoredMessage(row as StoredMessageRow);
      outcome[row.request_index - 1] = { message, duplicate };
    } else {
      outcome[row.request_index - 1] = { event: toDurableEvent(row), duplicate };
    }
  }
  return outcome;
}

/**
 * A room's log after `sinceSeq`: its messages (in their current state) and its events merged by
 * seq, oldest first. Both tables are read in one statement, so one snapshot: no holes.
 */
export async function logPage(db: Db, roomId: string, sinceSeq: number, limit: number): Promise<{ entries: LogEntry[]; hasMore: boolean }> {
  const { rows } = await sql<LogRow & { edited_at: Date | null; deleted_at: Date | null }>`
    SELECT * FROM (
      (SELECT 'message' AS type, NULL::uuid AS event_id, message_id, room_id, seq, NULL::uuid AS session_id, user_id, content,
         client_msg_id, NULL::text AS emoji, created_at, edited_at, deleted_at
       FROM messages WHERE room_id = ${roomId} AND seq > ${sinceSeq} ORDER BY seq LIMIT ${limit + 1})
      UNION ALL
      (SELECT type, event_id, message_id, room_id, seq, NULL::uuid, user_id, content, client_msg_id, emoji, created_at,
         NULL::timestamptz, NULL::timestamptz
       FROM room_events WHERE room_id = ${roomId} AND seq > ${sinceSeq} ORDER BY seq LIMIT ${limit + 1})
    ) log ORDER BY seq LIMIT ${limit + 1}`.execute(db);
  const hasMore = rows.length > limit;
  const entries = (hasMore ? rows.slice(0, limit) : rows).map((row): LogEntry => {
    if (row.type !== 'message') return toDurableEvent(row);
    const message = toChatMessage(toStoredMessage(row as StoredMessageRow));
    return {
      type: 'text_message',
      data: { ...message, edited_at: row.edited_at?.toISOString() ?? null, deleted_at: row.deleted_at?.toISOString() ?? null },
    };
  });
  return { entries, hasMore };
}
