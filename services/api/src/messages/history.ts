import type { EventsPage, MessagesPage } from '@parley/protocol';
import { toChatMessage } from '@parley/protocol';
import type { Db } from '../db/db.js';
import { logPage } from './log.repository.js';
import { toStoredMessage } from './messages.mapper.js';
import { historyPage, type HistoryQuery } from './messages.repository.js';

/**
 * A page of history in its public form (a session id resumes a session, so it never leaves the
 * API), oldest first: each message in its current state (edits, tombstones, reactions with the
 * reader's own marked).
 */
export async function readHistory(db: Db, q: HistoryQuery): Promise<MessagesPage> {
  const page = await historyPage(db, q);
  const messages = page.rows
    .map((row) => ({
      ...toChatMessage(toStoredMessage(row)),
      edited_at: row.edited_at?.toISOString() ?? null,
      deleted_at: row.deleted_at?.toISOString() ?? null,
      reactions: row.reactions,
      state_seq: Number(row.state_seq ?? row.seq),
    }))
    .sort((a, b) => a.seq - b.seq);
  const oldest = messages[0]?.seq;
  return {
    messages,
    has_more: page.hasMore,
    next_before_seq: page.hasMore && q.afterSeq === undefined && oldest !== undefined ? oldest : null,
  };
}

/**
 * A page of a room's log after `sinceSeq` (messages and durable events, no holes). `maxBytes`
 * bounds the page for a transport with a payload limit (NATS): the page then stops early with
 * `has_more`, and the reader continues after its last `seq`.
 */
export async function readLog(db: Db, roomId: string, sinceSeq: number, limit: number, maxBytes = Infinity): Promise<EventsPage> {
  const page = await logPage(db, roomId, sinceSeq, limit);
  let events = page.entries;
  let hasMore = page.hasMore;
  if (maxBytes !== Infinity) {
    let bytes = 0;
    const over = events.findIndex((e) => (bytes += Buffer.byteLength(JSON.stringify(e))) > maxBytes);
    // At least one entry, whatever its size: a page that never advances would stall the reader.
    if (over >= 0 && events.length > 1) {
      events = events.slice(0, Math.max(1, over));
      hasMore = true;
    }
  }
  return { events, has_more: hasMore };
}
