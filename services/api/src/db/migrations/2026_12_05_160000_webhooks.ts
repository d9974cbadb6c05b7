import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Webhooks: registered endpoints, a transactional outbox and dead letters.
 *
 * The outbox is written by triggers in the same transaction as the change itself, so an event
 * exists exactly when its change committed: an api that dies after the commit and before the
 * JetStream publish loses nothing (the relay publishes the row later, under its `event_id` as
 * `Nats-Msg-Id`, so a publish repeated after a crash is stored once). The triggers are
 * statement-level (one check per group-committed batch, not per message) and write only while an
 * endpoint subscribed to the event type exists, so a deployment without webhooks pays one EXISTS
 * on an empty table per append. Rows hold the change as JSON without any session id; the relay
 * shapes the public payload.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('webhook_id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull())
    // Kept as given: signing needs it (a hash could not sign). Never returned by the API.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('webhook_outbox')
    .addColumn('position', 'bigserial', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) =>
      c
        .notNull()
        .unique()
        .defaultTo(sql`gen_random_uuid()`),
    )
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('webhook_dead_letters')
    .addColumn('dead_letter_id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('webhook_id', 'uuid', (c) => c.notNull().references('webhook_endpoints.webhook_id').onDelete('cascade'))
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('event', 'jsonb', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text', (c) => c.notNull())
    .addColumn('failed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // A delivery dead-lettered again after a crash before its ack is one record.
    .addUniqueConstraint('webhook_dead_letters_event', ['webhook_id', 'event_id'])
    .execute();

  await sql`
CREATE FUNCTION parley_webhook_outbox() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_TABLE_NAME = 'messages' THEN
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE 'message.created' = ANY (events)) THEN
      INSERT INTO webhook_outbox (type, data)
      SELECT 'message.created', to_jsonb(n) - 'session_id' FROM new_rows n ORDER BY n.room_id, n.seq;
    END IF;
  ELSIF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE 'room.member_added' = ANY (events)) THEN
      INSERT INTO webhook_outbox (type, data)
      SELECT 'room.member_added', jsonb_build_object('room_id', n.room_id, 'user_id', n.user_id, 'role', n.role) FROM new_rows n;
    END IF;
  ELSE
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE 'room.member_removed' = ANY (events)) THEN
      INSERT INTO webhook_outbox (type, data)
      SELECT 'room.member_removed', jsonb_build_object('room_id', o.room_id, 'user_id', o.user_id) FROM old_rows o;
    END IF;
  END IF;
  RETURN NULL;
END
$fn$`.execute(db);
  await sql`CREATE TRIGGER webhook_message_created AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION parley_webhook_outbox()`.execute(db);
  await sql`CREATE TRIGGER webhook_member_added AFTER INSERT ON room_members REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION parley_webhook_outbox()`.execute(db);
  await sql`CREATE TRIGGER webhook_member_removed AFTER DELETE ON room_members REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION parley_webhook_outbox()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS webhook_message_created ON messages`.execute(db);
  await sql`DROP TRIGGER IF EXISTS webhook_member_added ON room_members`.execute(db);
  await sql`DROP TRIGGER IF EXISTS webhook_member_removed ON room_members`.execute(db);
  await sql`DROP FUNCTION IF EXISTS parley_webhook_outbox()`.execute(db);
  await db.schema.dropTable('webhook_dead_letters').ifExists().execute();
  await db.schema.dropTable('webhook_outbox').ifExists().execute();
  await db.schema.dropTable('webhook_endpoints').ifExists().execute();
}
