import type { WebhookEventType } from '@parley/protocol';
import { NO_MIGRATIONS, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrator } from '../src/db/migrator.js';
import { fromSocket, MessageAppender } from '../src/messages/append.js';
import { insertRoom } from '../src/rooms/rooms.repository.js';
import { insertSession } from '../src/sessions/sessions.repository.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;

beforeAll(async () => {
  t = await migratedDatabase();
});
afterAll(() => t.close());

const fillfactor = async (table: string) =>
  (await sql<{ reloptions: string[] | null }>`SELECT reloptions FROM pg_class WHERE relname = ${table}`.execute(t.db)).rows[0]?.reloptions;

const appendFunctions = async () =>
  Number(
    (await sql<{ n: string }>`SELECT count(*) AS n FROM pg_proc WHERE proname IN ('parley_append_messages', 'parley_append_messages_notify')`.execute(t.db))
      .rows[0]!.n,
  );

describe('migrations', () => {
  it('leave room for HOT updates on the counter tables, count messages sent from messages, and install the append functions (without moderation verdicts, with them, and notifying the publish relay)', async () => {
    const columns = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns WHERE table_name = 'sessions'`.execute(t.db);
    expect(columns.rows.map((c) => c.column_name)).not.toContain('messages_sent');
    expect(await fillfactor('sessions')).toEqual(['fillfactor=70']);
    expect(await fillfactor('rooms')).toEqual(['fillfactor=70']);
    expect(await appendFunctions()).toBe(3);
  });

  it('enable each webhook outbox trigger only while an endpoint hears one of its event types', async () => {
    const enabled = async () =>
      (
        await sql<{
          tgname: string;
        }>`SELECT tgname FROM pg_trigger WHERE tgname LIKE 'webhook\_%' AND tgname <> 'webhook_triggers_sync' AND tgenabled <> 'D' ORDER BY tgname`.execute(
          t.db,
        )
      ).rows.map((r) => r.tgname);
    expect(await enabled()).toEqual([]);
    const endpoint = (events: WebhookEventType[]) =>
      t.db.insertInto('webhook_endpoints').values({ url: 'http://127.0.0.1:9/hook', events, secret: 's' }).returning('webhook_id').executeTakeFirstOrThrow();
    const created = await endpoint(['message.created']);
    expect(await enabled()).toEqual(['webhook_message_created']);
    const edits = await endpoint(['message.deleted', 'room.member_removed']);
    expect(await enabled()).toEqual(['webhook_member_removed', 'webhook_message_created', 'webhook_room_events']);
    await t.db.deleteFrom('webhook_endpoints').where('webhook_id', '=', created.webhook_id).execute();
    expect(await enabled()).toEqual(['webhook_member_removed', 'webhook_room_events']);
    await t.db.deleteFrom('webhook_endpoints').where('webhook_id', '=', edits.webhook_id).execute();
    expect(await enabled()).toEqual([]);
  });

  it('go all the way down and back up, and the store works after', async () => {
    const migrator = createMigrator(t.db);
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    const tables = await sql<{
      tablename: string;
    }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('rooms', 'sessions', 'messages', 'memberships', 'api_keys')`.execute(t.db);
    expect(tables.rows).toEqual([]);
    expect(await appendFunctions()).toBe(0);

    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
    expect(up.results?.map((r) => r.status)).toEqual(Array(14).fill('Success'));
    const session = await insertSession(t.db, { user_id: 'after', ttl_ms: 60_000 });
    await insertRoom(t.db, { room_id: 'again', name: 'Again', description: '', category: 'general' });
    const reply = await new MessageAppender(t.db).append(
      fromSocket({ room_id: 'again', session_id: session.session_id, user_id: 'after', content: 'hi', client_msg_id: 'x' }),
    );
    expect(reply.message.seq).toBe(1);
  });
});
