import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Moderation, judged by the api's append path (so it holds on every gateway and api instance):
 * mutes until a time, bans (a banned user cannot enter or post), per-room slow mode (at most one
 * message per `slow_mode_seconds` per user; `slow_mode_posts` keeps each user's last accepted
 * post, claimed with one conditional upsert, so two instances cannot both let one through), and
 * the audit log of every action (who, what, when, on whom).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('rooms')
    .addColumn('slow_mode_seconds', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`slow_mode_seconds BETWEEN 0 AND 86400`),
    )
    .execute();
  for (const table of ['room_mutes', 'room_bans']) {
    let create = db.schema
      .createTable(table)
      .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.room_id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint(`${table}_pk`, ['room_id', 'user_id']);
    if (table === 'room_mutes') create = create.addColumn('until', 'timestamptz', (c) => c.notNull());
    await create.execute();
  }
  await db.schema
    .createTable('slow_mode_posts')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.room_id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('slow_mode_posts_pk', ['room_id', 'user_id'])
    .execute();
  await db.schema
    .createTable('moderation_audit')
    .addColumn('audit_id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('target_user_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('moderation_audit_room_idx').on('moderation_audit').columns(['room_id', 'audit_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['moderation_audit', 'slow_mode_posts', 'room_bans', 'room_mutes']) await db.schema.dropTable(table).ifExists().execute();
  await db.schema.alterTable('rooms').dropColumn('slow_mode_seconds').execute();
}
