import { sql, type Kysely } from 'kysely';
import * as appendFunction from './2026_11_26_130000_append_function.js';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Private rooms, direct conversations and per-user roles. `parley_append_messages` learns a
 * fourth rejection, `not_member` (a private room the sender's user is not a member of), so a
 * removed member cannot post even through a gateway that missed the removal; for a public room
 * the check is one column comparison. `direct_rooms` maps a pair of users to their room, whose id
 * is random: a direct room's id cannot be computed, so nobody can squat it or probe for it.
 *
 * Memberships by session (`memberships`) stay what a session rejoins on reconnect; `room_members` is who may enter a private room and
 * who manages a room, by user, so every session and tab of a member sees it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('rooms')
    .addColumn('visibility', 'text', (c) =>
      c
        .notNull()
        .defaultTo('public')
        .check(sql`visibility IN ('public', 'private')`),
    )
    .addColumn('type', 'text', (c) =>
      c
        .notNull()
        .defaultTo('room')
        .check(sql`type IN ('room', 'direct')`),
    )
    .execute();

  await db.schema
    .createTable('room_members')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.room_id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('owner', 'admin', 'member')`))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('room_members_pk', ['room_id', 'user_id'])
    .execute();
  // "Which private rooms may this user see" (room lists) reads by user.
  await db.schema.createIndex('room_members_user_idx').on('room_members').column('user_id').execute();

  await db.schema
    .createTable('direct_rooms')
    .addColumn('user_low', 'text', (c) => c.notNull())
    .addColumn('user_high', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull().unique().references('rooms.room_id').onDelete('cascade'))
    .addPrimaryKeyConstraint('direct_rooms_pk', ['user_low', 'user_high'])
    .addCheckConstraint('direct_rooms_ordered', sql`user_low < user_high`)
    .execute();

  await sql.raw(APPEND_WITH_MEMBERSHIP).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS parley_append_messages(text[], uuid[], text[], text[], text[])`.execute(db);
  await appendFunction.up(db);
  await db.schema.dropTable('direct_rooms').ifExists().execute();
  await db.schema.dropTable('room_members').ifExists().execute();
  await db.schema.alterTable('rooms').dropColumn('type').dropColumn('visibility').execute();
}

/** The append function of migration `append_function`, plus the `not_member` verdict. */
export const APPEND_WITH_MEMBERSHIP = `
CREATE OR REPLACE FUNCTION parley_append_messages(
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
        WHEN r.visibility = 'private' AND NOT EXISTS (
          SELECT 1 FROM room_members rm WHERE rm.room_id = req.room_id AND rm.user_id = req.user_id
        ) THEN 'not_member'
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
  FROM judged j WHERE j.verdict IN ('room_not_found', 'session_invalid', 'not_member');
END
$fn$`;
