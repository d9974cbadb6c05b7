import { sql, type Kysely } from 'kysely';
import { APPEND_WITH_MEMBERSHIP } from './2026_12_03_100000_access_control.js';
import { withSessionlessAuthors } from './2026_12_04_100000_sessionless_authors.js';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * A lone message used to cost the api five round trips to Postgres: the moderation gate's look-up,
 * then BEGIN, the append, the NOTIFY of what it stored and COMMIT. This migration makes it one.
 *
 * `parley_append_messages(…, p_judged)` appends as the five-argument function does, and refuses
 * with `moderated` a request from a session whose sender the moderation gate must judge first:
 * the room is in slow mode, or the sender is banned or muted in it (a retry of a stored message is
 * still its `duplicate`). The gate (moderation/gate.ts) judges only those, and sends the ones it
 * admits again with `p_judged` true; every other message is judged by this one statement.
 *
 * `parley_append_messages_notify` does the same and notifies each stored message on `p_channel`
 * for the publish relay, in seq order per room, within the statement: delivered only if it
 * commits. A payload is `#` and the JSON of `{m: the stored row, t: the request's trace carrier}`.
 * NOTIFY takes payloads under 8,000 bytes, so a longer one (a message near the content limit in a
 * wide script) is sent as `@<message_id> <trace carrier>` and the relay reads the row back.
 */
const MODERATED = `WHEN req.session_id IS NOT NULL AND NOT coalesce(req.judged, false) AND (
          r.slow_mode_seconds > 0
          OR EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = req.room_id AND b.user_id = req.user_id)
          OR EXISTS (SELECT 1 FROM room_mutes mu WHERE mu.room_id = req.room_id AND mu.user_id = req.user_id AND mu.until > now())
        ) THEN 'moderated'
        ELSE 'eligible'`;

/** The append function of migration `sessionless_authors`, with the `p_judged` argument and the `moderated` verdict. */
export function withModeration(fn: string): string {
  const edits: [string, string][] = [
    ['p_contents text[], p_client_msg_ids text[]\n)', 'p_contents text[], p_client_msg_ids text[], p_judged boolean[]\n)'],
    [
      'SELECT t.i::integer AS i, t.room_id, t.session_id, t.user_id, t.content, t.client_msg_id',
      'SELECT t.i::integer AS i, t.room_id, t.session_id, t.user_id, t.content, t.client_msg_id, t.judged',
    ],
    [
      'FROM unnest(p_room_ids, p_session_ids, p_user_ids, p_contents, p_client_msg_ids)',
      'FROM unnest(p_room_ids, p_session_ids, p_user_ids, p_contents, p_client_msg_ids, p_judged)',
    ],
    [
      'WITH ORDINALITY AS t(room_id, session_id, user_id, content, client_msg_id, i)',
      'WITH ORDINALITY AS t(room_id, session_id, user_id, content, client_msg_id, judged, i)',
    ],
    ["ELSE 'eligible'", MODERATED],
    [
      "WHERE j.verdict IN ('room_not_found', 'session_invalid', 'not_member')",
      "WHERE j.verdict IN ('room_not_found', 'session_invalid', 'not_member', 'moderated')",
    ],
  ];
  return edits.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`append function: '${from}' not found`);
    return text.replace(from, to);
  }, fn);
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(withModeration(withSessionlessAuthors(APPEND_WITH_MEMBERSHIP))).execute(db);
  await sql`
CREATE FUNCTION parley_append_messages_notify(
  p_channel text, p_traces text[],
  p_room_ids text[], p_session_ids uuid[], p_user_ids text[], p_contents text[], p_client_msg_ids text[], p_judged boolean[]
) RETURNS TABLE (
  request_index integer, outcome text, message_id uuid, room_id text, seq bigint, session_id uuid,
  user_id text, content text, client_msg_id text, created_at timestamptz
) LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
  payload text;
BEGIN
  -- Only what this call stored is notified (not duplicates, not rejections), in seq order per room.
  FOR r IN
    SELECT a.* FROM parley_append_messages(p_room_ids, p_session_ids, p_user_ids, p_contents, p_client_msg_ids, p_judged) a
    ORDER BY a.room_id, a.seq
  LOOP
    IF r.outcome = 'stored' THEN
      payload := '#' || json_build_object('m', to_json(r), 't', p_traces[r.request_index]::json)::text;
      IF octet_length(payload) >= 8000 THEN
        payload := '@' || r.message_id || ' ' || coalesce(p_traces[r.request_index], '');
      END IF;
      PERFORM pg_notify(p_channel, payload);
    END IF;
    request_index := r.request_index; outcome := r.outcome; message_id := r.message_id; room_id := r.room_id;
    seq := r.seq; session_id := r.session_id; user_id := r.user_id; content := r.content;
    client_msg_id := r.client_msg_id; created_at := r.created_at;
    RETURN NEXT;
  END LOOP;
END
$fn$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS parley_append_messages_notify(text, text[], text[], uuid[], text[], text[], text[], boolean[])`.execute(db);
  await sql`DROP FUNCTION IF EXISTS parley_append_messages(text[], uuid[], text[], text[], text[], boolean[])`.execute(db);
}
