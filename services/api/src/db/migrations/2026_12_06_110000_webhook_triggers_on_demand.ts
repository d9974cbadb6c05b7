import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The webhook outbox triggers (migrations `webhooks`, `webhook_message_events`) are enabled only
 * while an endpoint hears one of their event types. A statement-level trigger with a transition
 * table costs every append statement about 90 µs of Postgres CPU even when it writes nothing
 * (a third of a lone message's append); a deployment without webhooks now pays nothing.
 *
 * A change to `webhook_endpoints` re-enables or disables them in its own transaction, so an
 * endpoint's first event is exactly the first change committed after it: ALTER TABLE … TRIGGER
 * waits for the appends in flight, and appends after it see the new state.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
CREATE FUNCTION parley_webhook_triggers_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  t record;
  wanted boolean;
BEGIN
  FOR t IN
    SELECT * FROM (VALUES
      ('messages', 'webhook_message_created', ARRAY['message.created']),
      ('room_members', 'webhook_member_added', ARRAY['room.member_added']),
      ('room_members', 'webhook_member_removed', ARRAY['room.member_removed']),
      ('room_events', 'webhook_room_events', ARRAY['message.edited', 'message.deleted'])
    ) AS v(table_name, trigger_name, types)
  LOOP
    wanted := EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.events && t.types);
    -- Only a change of state takes the table's lock.
    IF wanted <> (SELECT tgenabled <> 'D' FROM pg_trigger WHERE tgname = t.trigger_name AND tgrelid = t.table_name::regclass) THEN
      EXECUTE format('ALTER TABLE %I %s TRIGGER %I', t.table_name, CASE WHEN wanted THEN 'ENABLE' ELSE 'DISABLE' END, t.trigger_name);
    END IF;
  END LOOP;
  RETURN NULL;
END
$fn$`.execute(db);
  await sql`CREATE TRIGGER webhook_triggers_sync AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON webhook_endpoints
    FOR EACH STATEMENT EXECUTE FUNCTION parley_webhook_triggers_sync()`.execute(db);
  // Once now, for the endpoints there are.
  await sql`DELETE FROM webhook_endpoints WHERE false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS webhook_triggers_sync ON webhook_endpoints`.execute(db);
  await sql`DROP FUNCTION IF EXISTS parley_webhook_triggers_sync()`.execute(db);
  for (const [table, trigger] of [
    ['messages', 'webhook_message_created'],
    ['room_members', 'webhook_member_added'],
    ['room_members', 'webhook_member_removed'],
    ['room_events', 'webhook_room_events'],
  ]) {
    await sql.raw(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`).execute(db);
  }
}
