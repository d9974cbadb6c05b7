import type { Db } from '../db/db.js';
import type { MessageRow } from '../db/schema.js';

export interface HistoryQuery {
  roomId: string;
  limit: number;
  /** Only seqs strictly below this (scrolling back). */
  beforeSeq?: number | undefined;
  /** Only seqs strictly above this (catch-up after a reconnect); the page then holds the oldest matches, not the newest. */
  afterSeq?: number | undefined;
}

/**
 * One page of a room's history, served by the (room_id, seq) unique index in either direction.
 * Fetches one extra row to know whether there is more without a count.
 */
export async function historyPage(db: Db, q: HistoryQuery): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
  let query = db.selectFrom('messages').selectAll().where('room_id', '=', q.roomId);
  if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
  if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
  query = query.orderBy('seq', q.afterSeq !== undefined ? 'asc' : 'desc');
  const rows = await query.limit(q.limit + 1).execute();
  const hasMore = rows.length > q.limit;
  return { rows: hasMore ? rows.slice(0, q.limit) : rows, hasMore };
}
