import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * `message.edited` / `message.deleted` webhooks: a statement-level trigger on `room_events` (the
 * log of migration `room_events`) writes the outbox in the event's own transaction, as the
 * triggers of migration `webhooks` do for messages and members, and only while an endpoint hears
 * the type. Reactions are not webhook events.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
CREATE FUNCTION parley_webhook_room_events() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO webhook_outbox (type, data)
  SELECT w.type, to_jsonb(n) FROM new_rows n
  JOIN (VALUES ('message_edited', 'message.edited'), ('message_deleted', 'message.deleted')) AS w(kind, type) ON w.kind = n.type
  WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE w.type = ANY (e.events))
  ORDER BY n.room_id, n.seq;
  RETURN NULL;
END
$fn$`.execute(db);
  await sql`CREATE TRIGGER webhook_room_events AFTER INSERT ON room_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION parley_webhook_room_events()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS webhook_room_events ON room_events`.execute(db);
  await sql`DROP FUNCTION IF EXISTS parley_webhook_room_events()`.execute(db);
}
