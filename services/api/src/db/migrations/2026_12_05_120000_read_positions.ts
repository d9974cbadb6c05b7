import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Read positions: per user and room, the highest `seq` the user has read. A row appears on the
 * first `mark_read`; no row reads as 0. Only ever raised (the update's WHERE), never past the
 * room's head (the insert reads `rooms.last_seq`). Unread counts scan `messages` by (room, seq)
 * from here, through the existing unique index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('read_positions')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.room_id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('read_positions_pk', ['room_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('read_positions').ifExists().execute();
}
