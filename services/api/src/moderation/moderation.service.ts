import { subjects, type Bus } from '@parley/bus';
import type { Ban, Mute } from '@parley/protocol';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import type { Caller } from '../http/caller.js';
import { findMember, removeMember } from '../rooms/members.repository.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import { audit, type Actor } from './moderation.repository.js';

/**
 * Mutes, bans and slow mode, each written with its audit entry in one transaction. Enforcement is
 * elsewhere: the gate on the append path (gate.ts), and room access for bans (rooms.service.ts).
 */
export class ModerationService {
  constructor(
    readonly db: Db,
    private readonly bus: Bus,
    private readonly rooms: RoomsService,
  ) {}

  async mute(roomId: string, userId: string, seconds: number, actor: Actor): Promise<Mute> {
    await this.rooms.require(roomId);
    const until = new Date(Date.now() + seconds * 1000);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('room_mutes')
        .values({ room_id: roomId, user_id: userId, until })
        .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ until }))
        .execute();
      await audit(tx, { actor, action: 'mute', room_id: roomId, target_user_id: userId, details: { duration_seconds: seconds, until: until.toISOString() } });
    });
    return { room_id: roomId, user_id: userId, until: until.toISOString() };
  }

  async unmute(roomId: string, userId: string, actor: Actor): Promise<void> {
    await this.rooms.require(roomId);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('room_mutes').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
      await audit(tx, { actor, action: 'unmute', room_id: roomId, target_user_id: userId });
    });
  }

  /** Bans and removes at once: their membership, their sessions' subscriptions, and every socket of theirs in the room. */
  async ban(roomId: string, userId: string, actor: Actor, reason: string | undefined): Promise<Ban> {
    await this.rooms.require(roomId);
    const banned = await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('room_bans')
        .values({ room_id: roomId, user_id: userId })
        .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ user_id: userId }))
        .returning('created_at')
        .executeTakeFirstOrThrow();
      await audit(tx, { actor, action: 'ban', room_id: roomId, target_user_id: userId, details: reason ? { reason } : {} });
      return row.created_at;
    });
    await removeMember(this.db, roomId, userId);
    this.bus.publish(subjects.userControl, { user_id: userId, action: 'remove', room_id: roomId });
    return { room_id: roomId, user_id: userId, banned_at: banned.toISOString() };
  }

  async unban(roomId: string, userId: string, actor: Actor): Promise<void> {
    await this.rooms.require(roomId);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('room_bans').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
      await audit(tx, { actor, action: 'unban', room_id: roomId, target_user_id: userId });
    });
  }

  async slowMode(roomId: string, seconds: number, actor: Actor): Promise<{ room_id: string; seconds: number }> {
    await this.rooms.require(roomId);
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('rooms').set({ slow_mode_seconds: seconds }).where('room_id', '=', roomId).execute();
      await audit(tx, { actor, action: 'slow_mode', room_id: roomId, details: { seconds } });
    });
    return { room_id: roomId, seconds };
  }

  /**
   * A user acting over REST: the room's owner or an admin (the room visible to them), never on
   * the owner, and an admin never on another admin. Returns them as the actor.
   */
  async moderator(roomId: string, caller: Caller | null, target?: string): Promise<Actor> {
    if (!caller) throw new ApiError('AUTHENTICATION_ERROR', 'Identify yourself to moderate a room');
    await this.rooms.visible(roomId, caller.user_id);
    const role = (await findMember(this.db, roomId, caller.user_id))?.role;
    if (role !== 'owner' && role !== 'admin') throw new ApiError('PERMISSION_DENIED', 'Only the room’s owner and admins moderate it');
    if (target !== undefined) {
      const targetRole = (await findMember(this.db, roomId, target))?.role;
      if (targetRole === 'owner' || (targetRole === 'admin' && role !== 'owner')) {
        throw new ApiError('PERMISSION_DENIED', targetRole === 'owner' ? 'Nobody moderates the room’s owner' : 'Only the owner moderates an admin');
      }
    }
    return `user:${caller.user_id}`;
  }
}
