import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Private rooms, direct conversations and per-user roles. Memberships by session (`memberships`)
 * stay what a session rejoins on reconnect; `room_members` is who may enter a private room and
 * who manages a room, by user, so every session and tab of a member sees it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('rooms')
    .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('public').check(sql`visibility IN ('public', 'private')`))
    .addColumn('type', 'text', (c) => c.notNull().defaultTo('room').check(sql`type IN ('room', 'direct')`))
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
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('room_members').ifExists().execute();
  await db.schema.alterTable('rooms').dropColumn('type').dropColumn('visibility').execute();
}
