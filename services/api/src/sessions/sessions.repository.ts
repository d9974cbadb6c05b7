import { sql } from 'kysely';
import type { Db } from '../db/db.js';
import type { SessionRow } from '../db/schema.js';

export interface NewSession {
  user_id: string;
  is_guest?: boolean;
  preferences?: Record<string, unknown>;
  ttl_ms: number;
}

export function insertSession(db: Db, s: NewSession): Promise<SessionRow> {
  return db
    .insertInto('sessions')
    .values({
      user_id: s.user_id,
      is_guest: s.is_guest ?? false,
      preferences: JSON.stringify(s.preferences ?? {}),
      expires_at: sql<Date>`now() + ${s.ttl_ms} * interval '1 millisecond'`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findSession(db: Db, sessionId: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
}

/** Marks the session closed; returns false when it does not exist or was already closed. */
export async function closeSession(db: Db, sessionId: string): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ closed_at: sql<Date>`now()` })
    .where('session_id', '=', sessionId)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function sessionRooms(db: Db, sessionId: string): Promise<string[]> {
  return db
    .selectFrom('memberships')
    .select('room_id')
    .where('session_id', '=', sessionId)
    .orderBy('joined_at')
    .execute()
    .then((rows) => rows.map((r) => r.room_id));
}

export interface StatsIncrement {
  session_id: string;
  messages_received: number;
  connection_seconds: number;
  last_activity: string;
}

/**
 * Adds a gateway's batched counters to each session in one statement. Messages sent are not among
 * them: they are counted from `messages` (see messagesSent), so storing one writes no session row.
 */
export async function addStats(db: Db, rows: readonly StatsIncrement[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE sessions SET
      messages_received = messages_received + v.received,
      connection_seconds = connection_seconds + v.seconds,
      last_activity = GREATEST(sessions.last_activity, v.last_activity)
    FROM unnest(
      ${rows.map((r) => r.session_id)}::uuid[],
      ${rows.map((r) => r.messages_received)}::bigint[],
      ${rows.map((r) => r.connection_seconds)}::float8[],
      ${rows.map((r) => r.last_activity)}::timestamptz[]
    ) AS v(session_id, received, seconds, last_activity)
    WHERE sessions.session_id = v.session_id`.execute(db);
}

/** Messages stored for the session: the record, so retries and lost sockets can never skew it. */
export async function messagesSent(db: Db, sessionId: string): Promise<number> {
  const { n } = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('session_id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return Number(n);
}
