import type { RoomRole } from '@parley/protocol';
import type { Db } from '../db/db.js';
import type { RoomMemberRow } from '../db/schema.js';

export function findMember(db: Db, roomId: string, userId: string): Promise<RoomMemberRow | undefined> {
  return db.selectFrom('room_members').selectAll().where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
}

export function listMembers(db: Db, roomId: string): Promise<RoomMemberRow[]> {
  return db.selectFrom('room_members').selectAll().where('room_id', '=', roomId).orderBy('added_at').orderBy('user_id').execute();
}

/** Adds the member unless already there; returns the membership and whether it is new. */
export async function addMember(db: Db, roomId: string, userId: string, role: RoomRole): Promise<{ member: RoomMemberRow; created: boolean }> {
  const inserted = await db
    .insertInto('room_members')
    .values({ room_id: roomId, user_id: userId, role })
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { member: inserted, created: true };
  return { member: (await findMember(db, roomId, userId))!, created: false };
}

export function setRole(db: Db, roomId: string, userId: string, role: RoomRole): Promise<RoomMemberRow | undefined> {
  return db.updateTable('room_members').set({ role }).where('room_id', '=', roomId).where('user_id', '=', userId).returningAll().executeTakeFirst();
}

/**
 * Removes the user from the room: the membership, and every session's subscription to the room
 * (so no session of theirs rejoins it on reconnect). Returns whether there was a membership.
 */
export async function removeMember(db: Db, roomId: string, userId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const removed = await tx.deleteFrom('room_members').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
    await tx
      .deleteFrom('memberships')
      .where('room_id', '=', roomId)
      .where('session_id', 'in', (eb) => eb.selectFrom('sessions').select('session_id').where('user_id', '=', userId))
      .execute();
    return removed.numDeletedRows > 0n;
  });
}
