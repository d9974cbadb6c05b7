import type { AuditEntry, AuditQuery, ModerationAction } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/db.js';

/** Who did it: `key:<key id>` (the server API) or `user:<user id>` (a room's owner or admin). */
export type Actor = `key:${string}` | `user:${string}`;

export interface AuditRecord {
  actor: Actor;
  action: ModerationAction;
  room_id?: string | null;
  target_user_id?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(db: Db, record: AuditRecord): Promise<void> {
  await db
    .insertInto('moderation_audit')
    .values({
      actor: record.actor,
      action: record.action,
      room_id: record.room_id ?? null,
      target_user_id: record.target_user_id ?? null,
      details: JSON.stringify(record.details ?? {}),
    })
    .execute();
}

export async function readAudit(db: Db, query: AuditQuery): Promise<AuditEntry[]> {
  let q = db.selectFrom('moderation_audit').selectAll().orderBy('audit_id', 'desc').limit(query.limit);
  if (query.room_id !== undefined) q = q.where('room_id', '=', query.room_id);
  if (query.before_id !== undefined) q = q.where('audit_id', '<', query.before_id);
  const rows = await q.execute();
  return rows.map((r) => ({
    audit_id: Number(r.audit_id),
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action as ModerationAction,
    room_id: r.room_id,
    target_user_id: r.target_user_id,
    details: r.details,
  }));
}

export function isBanned(db: Db, roomId: string, userId: string): Promise<boolean> {
  return db
    .selectFrom('room_bans')
    .select('user_id')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
    .then((row) => row !== undefined);
}

/** What moderation says about one sender in one room (absent: no such room). */
export interface SenderStanding {
  slow_mode_seconds: number;
  muted_until: Date | null;
  banned: boolean;
  /** Their role, read only in a slow-mode room (owners and admins are exempt). */
  role: string | null;
}

/** The standing of many (room, user) pairs in one query, in request order. */
export async function standings(db: Db, pairs: readonly { room_id: string; user_id: string }[]): Promise<(SenderStanding | undefined)[]> {
  const rooms = pairs.map((p) => p.room_id);
  const users = pairs.map((p) => p.user_id);
  const { rows } = await sql<SenderStanding & { i: number }>`
    SELECT q.i::integer AS i, r.slow_mode_seconds, mu.until AS muted_until, (b.user_id IS NOT NULL) AS banned, rm.role
    FROM unnest(${rooms}::text[], ${users}::text[]) WITH ORDINALITY AS q(room_id, user_id, i)
    JOIN rooms r ON r.room_id = q.room_id
    LEFT JOIN room_mutes mu ON mu.room_id = q.room_id AND mu.user_id = q.user_id AND mu.until > now()
    LEFT JOIN room_bans b ON b.room_id = q.room_id AND b.user_id = q.user_id
    LEFT JOIN room_members rm ON r.slow_mode_seconds > 0 AND rm.room_id = q.room_id AND rm.user_id = q.user_id`.execute(db);
  const byIndex = new Map(rows.map((r) => [Number(r.i), r]));
  return pairs.map((_, i) => byIndex.get(i + 1));
}

/**
 * Claims the user's slot in a slow-mode room: atomic across api instances (the upsert holds the
 * row's lock). Returns 0 when claimed, else how many ms until the next message may go.
 */
export async function claimSlowModeSlot(db: Db, roomId: string, userId: string, seconds: number): Promise<number> {
  const claimed = await sql<{ posted_at: Date }>`
    INSERT INTO slow_mode_posts (room_id, user_id, posted_at) VALUES (${roomId}, ${userId}, now())
    ON CONFLICT (room_id, user_id) DO UPDATE SET posted_at = excluded.posted_at
    WHERE slow_mode_posts.posted_at <= now() - make_interval(secs => ${seconds})
    RETURNING posted_at`.execute(db);
  if (claimed.rows.length > 0) return 0;
  const { rows } = await sql<{ wait_ms: number }>`
    SELECT greatest(1, ceil(extract(epoch FROM (posted_at + make_interval(secs => ${seconds}) - now())) * 1000))::integer AS wait_ms
    FROM slow_mode_posts WHERE room_id = ${roomId} AND user_id = ${userId}`.execute(db);
  return rows[0]?.wait_ms ?? 1;
}

/** Whether this user already stored a durable event with this `client_msg_id` in the room (the append's de-duplication key). */
export async function eventStored(db: Db, roomId: string, userId: string, clientMsgId: string): Promise<boolean> {
  const row = await db
    .selectFrom('room_events')
    .select('event_id')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where('client_msg_id', '=', clientMsgId)
    .executeTakeFirst();
  return row !== undefined;
}
