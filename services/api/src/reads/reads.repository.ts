import { UNREAD_COUNT_MAX, type ReadPosition } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/db.js';

/**
 * Raises the user's read position in the room to `seq`, capped at the room's head; never lowers
 * it. Returns the position after the call and whether it moved (undefined: no such room).
 */
export async function advanceReadSeq(db: Db, roomId: string, userId: string, seq: number): Promise<{ readSeq: number; moved: boolean } | undefined> {
  const moved = await sql<{ read_seq: number }>`
    INSERT INTO read_positions (room_id, user_id, read_seq)
    SELECT r.room_id, ${userId}, LEAST(${seq}::bigint, r.last_seq) FROM rooms r WHERE r.room_id = ${roomId}
    ON CONFLICT (room_id, user_id) DO UPDATE SET read_seq = EXCLUDED.read_seq, updated_at = now()
      WHERE read_positions.read_seq < EXCLUDED.read_seq
    RETURNING read_seq`.execute(db);
  const row = moved.rows[0];
  // A fresh row at 0 (mark_read 0 on an unread room) is not news to anyone.
  if (row) return { readSeq: Number(row.read_seq), moved: Number(row.read_seq) > 0 };
  const current = await db
    .selectFrom('rooms')
    .leftJoin('read_positions as p', (join) => join.onRef('p.room_id', '=', 'rooms.room_id').on('p.user_id', '=', userId))
    .select(sql<number>`coalesce(p.read_seq, 0)`.as('read_seq'))
    .where('rooms.room_id', '=', roomId)
    .executeTakeFirst();
  return current ? { readSeq: Number(current.read_seq), moved: false } : undefined;
}

/**
 * The user's read position and unread count in each of `roomIds`, in one statement. Unread: the
 * room's messages after `read_seq` posted by someone else and not deleted (edits and reactions
 * change messages, they are not new ones), counted up to
 * {@link UNREAD_COUNT_MAX} (the (room, seq) index bounds the scan). Rooms that do not exist are absent.
 */
export async function readPositions(db: Db, userId: string, roomIds: readonly string[]): Promise<Map<string, ReadPosition>> {
  if (roomIds.length === 0) return new Map();
  const result = await sql<{ room_id: string; read_seq: number; unread: number }>`
    SELECT r.room_id, coalesce(p.read_seq, 0) AS read_seq,
      (SELECT count(*) FROM (
         SELECT 1 FROM messages m
         WHERE m.room_id = r.room_id AND m.seq > coalesce(p.read_seq, 0) AND m.user_id <> ${userId} AND m.deleted_at IS NULL
         LIMIT ${UNREAD_COUNT_MAX}) x) AS unread
    FROM rooms r
    LEFT JOIN read_positions p ON p.room_id = r.room_id AND p.user_id = ${userId}
    WHERE r.room_id = ANY(${[...roomIds]}::text[])`.execute(db);
  return new Map(result.rows.map((row) => [row.room_id, { room_id: row.room_id, read_seq: Number(row.read_seq), unread: Number(row.unread) }]));
}
