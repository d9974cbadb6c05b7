import { sql, type Kysely } from 'kysely';
import { APPEND_WITH_MEMBERSHIP } from './2026_12_03_100000_access_control.js';

// Migrations take Kysely<any>: they must keep working when the app's types move on.
/* eslint-disable @typescript-eslint/no-explicit-any */

const SESSION_VERDICT = "WHEN s.session_id IS NULL THEN 'session_invalid'";

/**
 * A message's author is a user, with the session it was sent from when there is one: a bot or a
 * server-side caller writes without a live session, so `messages.session_id` may be NULL. The
 * append function checks a session only when the request names one, so a socket's append
 * (always with its session) is judged exactly as before; membership of a private room is checked
 * either way.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('messages')
    .alterColumn('session_id', (c) => c.dropNotNull())
    .execute();
  await sql.raw(withSessionlessAuthors(APPEND_WITH_MEMBERSHIP)).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(APPEND_WITH_MEMBERSHIP).execute(db);
  await sql`DELETE FROM messages WHERE session_id IS NULL`.execute(db);
  await db.schema
    .alterTable('messages')
    .alterColumn('session_id', (c) => c.setNotNull())
    .execute();
}

/** The append function of migration `access_control`, taking authors without a session. */
export function withSessionlessAuthors(fn: string): string {
  if (!fn.includes(SESSION_VERDICT)) throw new Error('append function: session verdict not found');
  return fn.replace(SESSION_VERDICT, "WHEN req.session_id IS NOT NULL AND s.session_id IS NULL THEN 'session_invalid'");
}
