import type { RoomType, RoomVisibility } from '@parley/protocol';
import type { Db } from '../db/db.js';
import type { RoomRow } from '../db/schema.js';

export interface RoomPage {
  rooms: RoomRow[];
  total: number;
}

/**
 * A page of the rooms `viewer` may see: every public room, and the private rooms `viewer` is a
 * member of (none for an anonymous caller).
 */
export async function listRooms(db: Db, q: { limit: number; offset: number; category?: string | undefined }, viewer: string | undefined): Promise<RoomPage> {
  let base = db.selectFrom('rooms').where((eb) => {
    const open = eb('visibility', '=', 'public');
    if (viewer === undefined) return open;
    const member = eb.exists(
      eb
        .selectFrom('room_members')
        .select('room_members.room_id')
        .whereRef('room_members.room_id', '=', 'rooms.room_id')
        .where('room_members.user_id', '=', viewer),
    );
    return eb.or([open, member]);
  });
  if (q.category !== undefined) base = base.where('category', '=', q.category);
  const [rooms, count] = await Promise.all([
    base.selectAll().orderBy('room_id').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rooms, total: Number(count.total) };
}

export function findRoom(db: Db, roomId: string): Promise<RoomRow | undefined> {
  return db.selectFrom('rooms').selectAll().where('room_id', '=', roomId).executeTakeFirst();
}

export interface NewRoom {
  room_id: string;
  name: string;
  description: string;
  category: string;
  /** Default `public`. */
  visibility?: RoomVisibility;
  /** Default `room`. */
  type?: RoomType;
}

/** Inserts the room; returns undefined when the id is taken. */
export function insertRoom(db: Db, room: NewRoom): Promise<RoomRow | undefined> {
  return db
    .insertInto('rooms')
    .values(room)
    .onConflict((oc) => oc.column('room_id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Adds the session's membership (idempotent) and returns when it started. */
export async function joinRoom(db: Db, roomId: string, sessionId: string): Promise<Date> {
  await db
    .insertInto('memberships')
    .values({ room_id: roomId, session_id: sessionId })
    .onConflict((oc) => oc.columns(['room_id', 'session_id']).doNothing())
    .execute();
  const row = await db
    .selectFrom('memberships')
    .select('joined_at')
    .where('room_id', '=', roomId)
    .where('session_id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return row.joined_at;
}

export async function leaveRoom(db: Db, roomId: string, sessionId: string): Promise<boolean> {
  const result = await db.deleteFrom('memberships').where('room_id', '=', roomId).where('session_id', '=', sessionId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * The direct room of a pair of users: created as `roomId` (private, both users members) unless
 * the pair already has one, which is returned instead. Two first requests of one pair at once
 * meet on direct_rooms' primary key: the second waits for the first's commit, drops the room it
 * had started and returns the first's (READ COMMITTED: its next statement sees that commit).
 */
export async function directRoom(db: Db, users: readonly [string, string], roomId: string): Promise<{ row: RoomRow; created: boolean }> {
  const [user_low, user_high] = users[0] < users[1] ? [users[0], users[1]] : [users[1], users[0]];
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('rooms')
      .values({ room_id: roomId, name: 'Direct conversation', description: '', category: 'direct', visibility: 'private', type: 'direct' })
      .returningAll()
      .executeTakeFirstOrThrow();
    const claimed = await tx
      .insertInto('direct_rooms')
      .values({ user_low, user_high, room_id: roomId })
      .onConflict((oc) => oc.columns(['user_low', 'user_high']).doNothing())
      .executeTakeFirst();
    if (claimed.numInsertedOrUpdatedRows === 1n) {
      await tx
        .insertInto('room_members')
        .values([user_low, user_high].map((user_id) => ({ room_id: roomId, user_id, role: 'member' as const })))
        .execute();
      return { row, created: true };
    }
    await tx.deleteFrom('rooms').where('room_id', '=', roomId).execute();
    const existing = await tx
      .selectFrom('rooms')
      .innerJoin('direct_rooms', 'direct_rooms.room_id', 'rooms.room_id')
      .selectAll('rooms')
      .where('direct_rooms.user_low', '=', user_low)
      .where('direct_rooms.user_high', '=', user_high)
      .executeTakeFirstOrThrow();
    return { row: existing, created: false };
  });
}

/** Makes the room public or private; returns the row, or undefined when there is no such room. */
export function setVisibility(db: Db, roomId: string, visibility: RoomVisibility): Promise<RoomRow | undefined> {
  return db.updateTable('rooms').set({ visibility }).where('room_id', '=', roomId).returningAll().executeTakeFirst();
}
