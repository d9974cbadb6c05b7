import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * A room's history becomes a log of durable events: besides its messages, `room_events` holds
 * edits, deletes and reactions, each with the room's next gap-free `seq` from the same counter
 * (`rooms.last_seq`), so `messages` ∪ `room_events` ordered by seq is the room's log with no holes.
 *
 * Current state lives beside the log so reads need no replay: `messages.edited_at` /
 * `deleted_at` (a deleted message keeps its row, its seq and its author, but not its content: the
 * content of the message and of its edits is erased), `message_reactions` (one row per user, emoji
 * and message) and `messages.state_seq`, the seq of the last event applied to the message.
 *
 * `parley_append_events` appends one group-commit batch of messages and events in one call: it
 * locks every room of the batch first (in room_id order, as the message function does, so two
 * api instances never deadlock), hands the messages to `parley_append_messages` (their seqs come
 * first: no event in a batch can refer to a message of the same batch, since its id is only
 * known after the commit), then applies the events one by one in request order, each judged
 * against the state the earlier ones left. Outcomes besides the message function's:
 * `message_not_found` (not in that room, or deleted), `not_author`, `edit_window_closed`,
 * `not_allowed` (a delete by neither the author nor an owner or admin), `already_reacted`,
 * `not_reacted`, `too_many_reactions`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('messages')
    .addColumn('edited_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('state_seq', 'bigint')
    .execute();

  await db.schema
    .createTable('room_events')
    .addColumn('event_id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.room_id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type IN ('message_edited', 'message_deleted', 'reaction_added', 'reaction_removed')`))
    .addColumn('message_id', 'uuid', (c) => c.notNull().references('messages.message_id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('emoji', 'text')
    .addColumn('client_msg_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The log pages by (room, seq), merged with messages' own (room, seq) index.
    .addUniqueConstraint('room_events_room_seq_key', ['room_id', 'seq'])
    .execute();
  await sql`CREATE UNIQUE INDEX room_events_dedup_key ON room_events (room_id, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL`.execute(db);
  await db.schema.createIndex('room_events_message_idx').on('room_events').column('message_id').execute();

  await db.schema
    .createTable('message_reactions')
    .addColumn('message_id', 'uuid', (c) => c.notNull().references('messages.message_id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('message_reactions_pk', ['message_id', 'user_id', 'emoji'])
    .execute();

  await sql.raw(APPEND_EVENTS).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS parley_append_events(text[], text[], uuid[], text[], text[], text[], uuid[], text[], bigint, integer)`.execute(db);
  await db.schema.dropTable('message_reactions').ifExists().execute();
  await db.schema.dropTable('room_events').ifExists().execute();
  await db.schema.alterTable('messages').dropColumn('state_seq').dropColumn('deleted_at').dropColumn('edited_at').execute();
}

const APPEND_EVENTS = `
CREATE FUNCTION parley_append_events(
  p_types text[], p_room_ids text[], p_session_ids uuid[], p_user_ids text[], p_contents text[],
  p_client_msg_ids text[], p_message_ids uuid[], p_emojis text[], p_edit_window_ms bigint, p_max_reactions integer
) RETURNS TABLE (
  request_index integer, outcome text, type text, event_id uuid, message_id uuid, room_id text, seq bigint,
  session_id uuid, user_id text, content text, client_msg_id text, emoji text, created_at timestamptz
) LANGUAGE plpgsql
AS $fn$
#variable_conflict use_column
DECLARE
  msgs integer[];
  i integer;
  v_type text;
  v_room text;
  v_user text;
  v_verdict text;
  v_seq bigint;
  r record;
  m record;
  e record;
BEGIN
  PERFORM count(*) FROM (SELECT rooms.room_id FROM rooms WHERE rooms.room_id = ANY (p_room_ids) ORDER BY rooms.room_id FOR UPDATE) l;

  SELECT array_agg(t.i::integer ORDER BY t.i) INTO msgs FROM unnest(p_types) WITH ORDINALITY AS t(k, i) WHERE t.k = 'message';
  IF msgs IS NOT NULL THEN
    RETURN QUERY
    SELECT msgs[a.request_index], a.outcome, 'message'::text, NULL::uuid, a.message_id, a.room_id, a.seq, a.session_id,
      a.user_id, a.content, a.client_msg_id, NULL::text, a.created_at
    FROM parley_append_messages(
      ARRAY(SELECT p_room_ids[x] FROM unnest(msgs) WITH ORDINALITY AS u(x, o) ORDER BY o),
      ARRAY(SELECT p_session_ids[x] FROM unnest(msgs) WITH ORDINALITY AS u(x, o) ORDER BY o),
      ARRAY(SELECT p_user_ids[x] FROM unnest(msgs) WITH ORDINALITY AS u(x, o) ORDER BY o),
      ARRAY(SELECT p_contents[x] FROM unnest(msgs) WITH ORDINALITY AS u(x, o) ORDER BY o),
      ARRAY(SELECT p_client_msg_ids[x] FROM unnest(msgs) WITH ORDINALITY AS u(x, o) ORDER BY o)) a;
  END IF;

  FOR i IN 1 .. coalesce(array_length(p_types, 1), 0) LOOP
    v_type := p_types[i];
    CONTINUE WHEN v_type = 'message';
    v_room := p_room_ids[i];
    v_user := p_user_ids[i];
    v_verdict := NULL;
    SELECT * INTO r FROM rooms WHERE rooms.room_id = v_room;
    IF NOT FOUND THEN
      v_verdict := 'room_not_found';
    ELSIF p_session_ids[i] IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM sessions s WHERE s.session_id = p_session_ids[i] AND s.user_id = v_user AND s.closed_at IS NULL AND s.expires_at > now()
    ) THEN
      v_verdict := 'session_invalid';
    ELSIF r.visibility = 'private' AND NOT EXISTS (
      SELECT 1 FROM room_members rm WHERE rm.room_id = v_room AND rm.user_id = v_user
    ) THEN
      v_verdict := 'not_member';
    END IF;

    IF v_verdict IS NULL AND p_client_msg_ids[i] IS NOT NULL THEN
      SELECT * INTO e FROM room_events re WHERE re.room_id = v_room AND re.user_id = v_user AND re.client_msg_id = p_client_msg_ids[i];
      IF FOUND THEN
        RETURN QUERY SELECT i, 'duplicate'::text, e.type, e.event_id, e.message_id, e.room_id, e.seq, NULL::uuid, e.user_id, e.content,
          e.client_msg_id, e.emoji, e.created_at;
        CONTINUE;
      END IF;
    END IF;

    IF v_verdict IS NULL THEN
      SELECT * INTO m FROM messages WHERE messages.message_id = p_message_ids[i] AND messages.room_id = v_room;
      IF NOT FOUND OR m.deleted_at IS NOT NULL THEN
        v_verdict := 'message_not_found';
      ELSIF v_type = 'message_edited' AND m.user_id <> v_user THEN
        v_verdict := 'not_author';
      ELSIF v_type = 'message_edited' AND p_edit_window_ms > 0 AND m.created_at < now() - make_interval(secs => p_edit_window_ms / 1000.0) THEN
        v_verdict := 'edit_window_closed';
      ELSIF v_type = 'message_deleted' AND m.user_id <> v_user AND NOT EXISTS (
        SELECT 1 FROM room_members rm WHERE rm.room_id = v_room AND rm.user_id = v_user AND rm.role IN ('owner', 'admin')
      ) THEN
        v_verdict := 'not_allowed';
      ELSIF v_type = 'reaction_added' AND EXISTS (
        SELECT 1 FROM message_reactions mr WHERE mr.message_id = m.message_id AND mr.user_id = v_user AND mr.emoji = p_emojis[i]
      ) THEN
        v_verdict := 'already_reacted';
      ELSIF v_type = 'reaction_added' AND NOT EXISTS (
        SELECT 1 FROM message_reactions mr WHERE mr.message_id = m.message_id AND mr.emoji = p_emojis[i]
      ) AND (SELECT count(DISTINCT mr.emoji) FROM message_reactions mr WHERE mr.message_id = m.message_id) >= p_max_reactions THEN
        v_verdict := 'too_many_reactions';
      ELSIF v_type = 'reaction_removed' AND NOT EXISTS (
        SELECT 1 FROM message_reactions mr WHERE mr.message_id = m.message_id AND mr.user_id = v_user AND mr.emoji = p_emojis[i]
      ) THEN
        v_verdict := 'not_reacted';
      END IF;
    END IF;

    IF v_verdict IS NOT NULL THEN
      RETURN QUERY SELECT i, v_verdict, v_type, NULL::uuid, NULL::uuid, NULL::text, NULL::bigint, NULL::uuid, NULL::text, NULL::text,
        NULL::text, NULL::text, NULL::timestamptz;
      CONTINUE;
    END IF;

    UPDATE rooms SET last_seq = rooms.last_seq + 1 WHERE rooms.room_id = v_room RETURNING rooms.last_seq INTO v_seq;
    INSERT INTO room_events (room_id, seq, type, message_id, user_id, content, emoji, client_msg_id)
    VALUES (v_room, v_seq, v_type, m.message_id, v_user,
      CASE WHEN v_type = 'message_edited' THEN p_contents[i] END,
      CASE WHEN v_type IN ('reaction_added', 'reaction_removed') THEN p_emojis[i] END,
      p_client_msg_ids[i])
    RETURNING * INTO e;

    IF v_type = 'message_edited' THEN
      UPDATE messages SET content = p_contents[i], edited_at = e.created_at, state_seq = v_seq WHERE messages.message_id = m.message_id;
    ELSIF v_type = 'message_deleted' THEN
      -- A tombstone keeps no content: the message's, and that of its edits in the log, are erased.
      UPDATE messages SET content = '', deleted_at = e.created_at, state_seq = v_seq WHERE messages.message_id = m.message_id;
      UPDATE room_events SET content = NULL WHERE room_events.message_id = m.message_id AND room_events.content IS NOT NULL;
      DELETE FROM message_reactions mr WHERE mr.message_id = m.message_id;
    ELSIF v_type = 'reaction_added' THEN
      INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (m.message_id, v_user, p_emojis[i]);
      UPDATE messages SET state_seq = v_seq WHERE messages.message_id = m.message_id;
    ELSE
      DELETE FROM message_reactions mr WHERE mr.message_id = m.message_id AND mr.user_id = v_user AND mr.emoji = p_emojis[i];
      UPDATE messages SET state_seq = v_seq WHERE messages.message_id = m.message_id;
    END IF;

    RETURN QUERY SELECT i, 'stored'::text, e.type, e.event_id, e.message_id, e.room_id, e.seq, NULL::uuid, e.user_id, e.content,
      e.client_msg_id, e.emoji, e.created_at;
  END LOOP;
END
$fn$`;
