import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * `parley_append_messages`: a whole group-commit batch in one call, so one round trip to
 * Postgres per batch (a transaction of separate statements took six, and on a small machine every
 * round trip is a process wake-up on each side). Called outside an explicit transaction, the
 * call is its own transaction.
 *
 * Takes the batch as parallel arrays (request i is element i of each) and returns one row per
 * request: its 1-based `request_index`, an `outcome` and, unless rejected, the stored message.
 * Outcomes: `stored`, `duplicate` (the same room, sender and client_msg_id was stored before, or
 * earlier in this batch), `room_not_found`, `session_invalid` (unknown, closed, expired, or not
 * the sender's).
 *
 * Why two statements: the first locks the batch's rooms (in room_id order, so two API instances
 * never deadlock) and notes which it locked; the second runs under a snapshot taken after those
 * locks were granted (READ COMMITTED takes one per statement), so it sees every message another
 * instance committed to these rooms before, which keeps both the seq counter and the
 * de-duplication exact. A room created between the two statements was not locked, so it counts
 * as not found for this batch.
 *
 * It writes no session row (a session's `messages_sent` is counted from `messages` when read), so
 * a send never waits on a statistics update of its sender's row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
CREATE FUNCTION parley_append_messages(
  p_room_ids text[], p_session_ids uuid[], p_user_ids text[], p_contents text[], p_client_msg_ids text[]
) RETURNS TABLE (
  request_index integer, outcome text, message_id uuid, room_id text, seq bigint, session_id uuid,
  user_id text, content text, client_msg_id text, created_at timestamptz
) LANGUAGE plpgsql
-- The batch arrives as arrays whose sizes the planner cannot see anyway: planning the statement
-- afresh on each of a connection's first calls cost more than running it.
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
DECLARE
  locked_rooms text[];
BEGIN
  SELECT coalesce(array_agg(l.room_id), '{}') INTO locked_rooms
  FROM (SELECT room_id FROM rooms WHERE room_id = ANY (p_room_ids) ORDER BY room_id FOR UPDATE) l;

  RETURN QUERY
  WITH req AS (
    SELECT t.i::integer AS i, t.room_id, t.session_id, t.user_id, t.content, t.client_msg_id
    FROM unnest(p_room_ids, p_session_ids, p_user_ids, p_contents, p_client_msg_ids)
      WITH ORDINALITY AS t(room_id, session_id, user_id, content, client_msg_id, i)
  ), judged AS (
    SELECT req.*, r.last_seq, earlier.message_id AS earlier_id,
      CASE
        WHEN r.room_id IS NULL THEN 'room_not_found'
        WHEN s.session_id IS NULL THEN 'session_invalid'
        WHEN earlier.message_id IS NOT NULL THEN 'duplicate'
        ELSE 'eligible'
      END AS verdict
    FROM req
    -- Only the rooms locked above: one created since is not in this batch's view.
    LEFT JOIN rooms r ON r.room_id = req.room_id AND r.room_id = ANY (locked_rooms)
    LEFT JOIN sessions s ON s.session_id = req.session_id AND s.user_id = req.user_id
      AND s.closed_at IS NULL AND s.expires_at > now()
    LEFT JOIN messages earlier ON earlier.room_id = req.room_id AND earlier.user_id = req.user_id
      AND earlier.client_msg_id = req.client_msg_id
  ), eligible AS (
    -- Of several sends of one client_msg_id in this batch, the first is stored, the rest are its duplicates.
    SELECT j.*, CASE WHEN j.client_msg_id IS NULL THEN j.i
                     ELSE min(j.i) OVER (PARTITION BY j.room_id, j.user_id, j.client_msg_id) END AS first_i
    FROM judged j WHERE j.verdict = 'eligible'
  ), fresh AS (
    SELECT e.*, e.last_seq + row_number() OVER (PARTITION BY e.room_id ORDER BY e.i) AS new_seq
    FROM eligible e WHERE e.first_i = e.i
  ), inserted AS (
    INSERT INTO messages (room_id, seq, session_id, user_id, content, client_msg_id)
    SELECT f.room_id, f.new_seq, f.session_id, f.user_id, f.content, f.client_msg_id FROM fresh f
    ORDER BY f.room_id, f.new_seq
    RETURNING *
  ), advanced AS (
    UPDATE rooms SET last_seq = v.last_seq
    FROM (SELECT f.room_id, max(f.new_seq) AS last_seq FROM fresh f GROUP BY f.room_id) v
    WHERE rooms.room_id = v.room_id
  )
  SELECT e.i, CASE WHEN e.first_i = e.i THEN 'stored' ELSE 'duplicate' END,
    m.message_id, m.room_id, m.seq, m.session_id, m.user_id, m.content, m.client_msg_id, m.created_at
  FROM eligible e
  JOIN fresh f ON f.i = e.first_i
  JOIN inserted m ON m.room_id = f.room_id AND m.seq = f.new_seq
  UNION ALL
  SELECT j.i, 'duplicate',
    m.message_id, m.room_id, m.seq, m.session_id, m.user_id, m.content, m.client_msg_id, m.created_at
  FROM judged j JOIN messages m ON m.message_id = j.earlier_id
  WHERE j.verdict = 'duplicate'
  UNION ALL
  SELECT j.i, j.verdict, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM judged j WHERE j.verdict IN ('room_not_found', 'session_invalid');
END
$fn$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS parley_append_messages(text[], uuid[], text[], text[], text[])`.execute(db);
}
