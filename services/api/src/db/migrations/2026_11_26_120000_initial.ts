import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rooms')
    .addColumn('room_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category', 'text', (c) => c.notNull().defaultTo('general'))
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The rooms list pages in room_id order (the primary key), optionally within one category.
  await db.schema.createIndex('rooms_category_idx').on('rooms').columns(['category', 'room_id']).execute();

  await db.schema
    .createTable('sessions')
    .addColumn('session_id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('is_guest', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('preferences', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    .addColumn('last_activity', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('messages_sent', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('messages_received', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('connection_seconds', 'double precision', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('memberships')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.room_id').onDelete('cascade'))
    .addColumn('session_id', 'uuid', (c) => c.notNull().references('sessions.session_id').onDelete('cascade'))
    .addColumn('joined_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('memberships_pk', ['room_id', 'session_id'])
    .execute();
  // "Which rooms is this session in" (resolve on reconnect) reads by session.
  await db.schema.createIndex('memberships_session_idx').on('memberships').column('session_id').execute();

  await db.schema
    .createTable('messages')
    .addColumn('message_id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.room_id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('session_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('client_msg_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // History pages by (room, seq) in both directions; this unique index serves them.
    .addUniqueConstraint('messages_room_seq_key', ['room_id', 'seq'])
    .execute();
  // A retried send (same sender, same client_msg_id) must find the stored copy, never insert a second.
  await sql`CREATE UNIQUE INDEX messages_dedup_key ON messages (room_id, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL`.execute(db);
  await db.schema.createIndex('messages_session_idx').on('messages').column('session_id').execute();

  await db
    .insertInto('rooms')
    .values({ room_id: 'general', name: 'General Discussion', description: 'General chat room for all users', category: 'general' })
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['messages', 'memberships', 'sessions', 'rooms']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
