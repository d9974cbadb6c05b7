import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The publish relay's notifications in the append statement itself. A batch of messages used to
 * be four round trips when the relay was on (BEGIN, the append, the NOTIFY of what it stored,
 * COMMIT); this function appends as `parley_append_messages` does and notifies each stored
 * message on `p_channel`, in seq order per room, within the same statement: one round trip, its
 * own transaction, the notifications delivered only if it commits.
 *
 * A payload is `#` and the JSON of `{m: the stored row, t: the request's trace carrier}`.
 * NOTIFY takes payloads under 8,000 bytes, so a longer one (a message near the content limit in
 * a wide script) is sent as `@<message_id> <trace carrier>` and the relay reads the row back.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
CREATE FUNCTION parley_append_messages_notify(
  p_channel text, p_traces text[],
  p_room_ids text[], p_session_ids uuid[], p_user_ids text[], p_contents text[], p_client_msg_ids text[]
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
    SELECT a.* FROM parley_append_messages(p_room_ids, p_session_ids, p_user_ids, p_contents, p_client_msg_ids) a
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
  await sql`DROP FUNCTION IF EXISTS parley_append_messages_notify(text, text[], text[], uuid[], text[], text[], text[])`.execute(db);
}
