import { toChatMessage, type MessagesPage } from '@parley/protocol';
import type { Db } from '../db/db.js';
import { toStoredMessage } from './messages.mapper.js';
import { historyPage, type HistoryQuery } from './messages.repository.js';

/**
 * A page of history in its public form (a session id resumes a session, so it never leaves the
 * API), oldest first. `maxBytes` bounds the page for a transport with a payload limit (NATS): the
 * page then stops early with `has_more`, and the reader continues after its last `seq`.
 */
export async function readHistory(db: Db, q: HistoryQuery, maxBytes = Infinity): Promise<MessagesPage> {
  const page = await historyPage(db, q);
  let messages = page.rows.map((row) => toChatMessage(toStoredMessage(row))).sort((a, b) => a.seq - b.seq);
  let hasMore = page.hasMore;
  if (maxBytes !== Infinity && q.afterSeq !== undefined) {
    let bytes = 0;
    const over = messages.findIndex((m) => (bytes += Buffer.byteLength(JSON.stringify(m))) > maxBytes);
    // At least one message, whatever its size: a page that never advances would stall the reader.
    if (over >= 0 && messages.length > 1) {
      messages = messages.slice(0, Math.max(1, over));
      hasMore = true;
    }
  }
  const oldest = messages[0]?.seq;
  return {
    messages,
    has_more: hasMore,
    next_before_seq: hasMore && q.afterSeq === undefined && oldest !== undefined ? oldest : null,
  };
}
