import { sql, type Kysely } from 'kysely';
import { APPEND_WITH_MEMBERSHIP } from './2026_12_03_100000_access_control.js';
import { withModeration } from './2026_12_06_100000_append_one_statement.js';
import { withSessionlessAuthors } from './2026_12_04_100000_sessionless_authors.js';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The append function without joins between its CTEs. Its generic plan (the function plans once
 * per connection: arrays of unknown size) estimated each CTE at one row, so it joined them by
 * nested loops: for a batch of 250 messages, 2 × 62,500 row comparisons, 35 of the statement's
 * 52 ms (auto_explain). Here each first send takes its id and seq in one windowed pass over the
 * batch, a repeat within the batch reads the first's from its window, and the insert's output is
 * never joined back: rows and answers come from the same pass. Same arguments, rules and answers as
 * the function of migration `append_one_statement`.
 */
export const APPEND_IN_LINEAR_TIME = `
CREATE OR REPLACE FUNCTION parley_append_messages(
  p_room_ids text[], p_session_ids uuid[], p_user_ids text[], p_contents text[], p_client_msg_ids text[], p_judged boolean[]
) RETURNS TABLE (
  request_index integer, outcome text, message_id uuid, room_id text, seq bigint, session_id uuid,
  user_id text, content text, client_msg_id text, created_at timestamptz
) LANGUAGE plpgsql
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
    SELECT t.i::integer AS i, t.room_id, t.session_id, t.user_id, t.content, t.client_msg_id, t.judged
    FROM unnest(p_room_ids, p_session_ids, p_user_ids, p_contents, p_client_msg_ids, p_judged)
      WITH ORDINALITY AS t(room_id, session_id, user_id, content, client_msg_id, judged, i)
  ), judged AS (
    SELECT req.*, r.last_seq, earlier.message_id AS earlier_id,
      CASE
        WHEN r.room_id IS NULL THEN 'room_not_found'
        WHEN req.session_id IS NOT NULL AND s.session_id IS NULL THEN 'session_invalid'
        WHEN r.visibility = 'private' AND NOT EXISTS (
          SELECT 1 FROM room_members rm WHERE rm.room_id = req.room_id AND rm.user_id = req.user_id
        ) THEN 'not_member'
        WHEN earlier.message_id IS NOT NULL THEN 'duplicate'
        WHEN req.session_id IS NOT NULL AND NOT coalesce(req.judged, false) AND (
          r.slow_mode_seconds > 0
          OR EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = req.room_id AND b.user_id = req.user_id)
          OR EXISTS (SELECT 1 FROM room_mutes mu WHERE mu.room_id = req.room_id AND mu.user_id = req.user_id AND mu.until > now())
        ) THEN 'moderated'
        ELSE 'eligible'
      END AS verdict
    FROM req
    -- Only the rooms locked above: one created since is not in this batch's view.
    LEFT JOIN rooms r ON r.room_id = req.room_id AND r.room_id = ANY (locked_rooms)
    LEFT JOIN sessions s ON s.session_id = req.session_id AND s.user_id = req.user_id
      AND s.closed_at IS NULL AND s.expires_at > now()
    LEFT JOIN messages earlier ON earlier.room_id = req.room_id AND earlier.user_id = req.user_id
      AND earlier.client_msg_id = req.client_msg_id
  ), numbered AS (
    -- Of several sends of one client_msg_id in this batch, the first is stored, the rest are its
    -- duplicates; a first send takes a new id and the room's next seq (its rank among the room's
    -- first sends in this batch).
    SELECT j.*,
      CASE WHEN j.is_first THEN gen_random_uuid() END AS new_id,
      j.last_seq + count(*) FILTER (WHERE j.is_first) OVER (PARTITION BY j.room_id ORDER BY j.i) AS new_seq
    FROM (
      SELECT j.*, j.client_msg_id IS NULL
        OR j.i = min(j.i) OVER (PARTITION BY j.room_id, j.user_id, j.client_msg_id) AS is_first
      FROM judged j WHERE j.verdict = 'eligible'
    ) j
  ), resolved AS (
    SELECT n.i, n.is_first, n.room_id, n.user_id, n.client_msg_id, n.session_id, n.content,
      first_value(n.new_id) OVER w AS stored_id, first_value(n.new_seq) OVER w AS stored_seq,
      first_value(n.session_id) OVER w AS stored_session_id, first_value(n.content) OVER w AS stored_content
    FROM numbered n
    WINDOW w AS (PARTITION BY n.room_id, n.user_id, n.client_msg_id, CASE WHEN n.client_msg_id IS NULL THEN n.i END ORDER BY n.i)
  ), inserted AS (
    INSERT INTO messages (message_id, room_id, seq, session_id, user_id, content, client_msg_id, created_at)
    SELECT r.stored_id, r.room_id, r.stored_seq, r.session_id, r.user_id, r.content, r.client_msg_id, now()
    FROM resolved r WHERE r.is_first
    ORDER BY r.room_id, r.stored_seq
  ), advanced AS (
    UPDATE rooms SET last_seq = v.last_seq
    FROM (SELECT r.room_id, max(r.stored_seq) AS last_seq FROM resolved r WHERE r.is_first GROUP BY r.room_id) v
    WHERE rooms.room_id = v.room_id
  )
  SELECT r.i, CASE WHEN r.is_first THEN 'stored' ELSE 'duplicate' END,
    r.stored_id, r.room_id, r.stored_seq, r.stored_session_id, r.user_id, r.stored_content, r.client_msg_id, now()
  FROM resolved r
  UNION ALL
  SELECT j.i, 'duplicate',
    m.message_id, m.room_id, m.seq, m.session_id, m.user_id, m.content, m.client_msg_id, m.created_at
  FROM judged j JOIN messages m ON m.message_id = j.earlier_id
  WHERE j.verdict = 'duplicate'
  UNION ALL
  SELECT j.i, j.verdict, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM judged j WHERE j.verdict IN ('room_not_found', 'session_invalid', 'not_member', 'moderated');
END
$fn$`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(APPEND_IN_LINEAR_TIME).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(withModeration(withSessionlessAuthors(APPEND_WITH_MEMBERSHIP))).execute(db);
}
