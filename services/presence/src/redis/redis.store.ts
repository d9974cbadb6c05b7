import type { PresenceEvent } from '@parley/protocol';
import type { Redis } from 'ioredis';
import type { PresenceActivity, PresenceStore, PresenceStoreOptions, RoomChange } from '../presence/presence.store.js';
import type { PresenceKeys } from './keys.js';
import { defineScripts } from './scripts.js';

/**
 * Presence state in Redis: every update is one Lua script (atomic), every read one round trip.
 * Defines its scripts on the client it is given (which stays the caller's to close).
 * Every method rejects fast when Redis is unreachable (see REDIS_OPTIONS) and remembers when
 * Redis last failed or reconnected, which the sweeper uses to hold off after an outage.
 */
export class RedisPresenceStore implements PresenceStore {
  private disruptedAt: number;
  private activityListener: ((activity: readonly PresenceActivity[]) => void) | undefined;
  private readonly onDisruption = (): void => {
    this.disruptedAt = Date.now();
  };

  constructor(
    private readonly redis: Redis,
    private readonly keys: PresenceKeys,
    private readonly options: PresenceStoreOptions,
  ) {
    defineScripts(redis);
    // Start counts as a disruption: until then this instance heard nothing from the gateways.
    this.disruptedAt = Date.now();
    redis.on('error', this.onDisruption);
    redis.on('close', this.onDisruption);
    // A reconnect too: refreshes lost during the outage have not been replaced yet.
    redis.on('ready', this.onDisruption);
  }

  /**
   * When Redis last failed a command, dropped or re-established the connection, or this store was
   * created (ms since epoch): the start of the window in which stored expiries may be stale.
   */
  lastDisruptionAt(): number {
    return this.disruptedAt;
  }

  isConnected(): boolean {
    return this.redis.status === 'ready';
  }

  /** Applies one gateway event; returns the room changes it caused (each exactly once across instances). */
  apply(event: PresenceEvent): Promise<RoomChange[]> {
    const { prefix } = this.keys;
    const { ttlMs } = this.options;
    return this.run(async () => {
      switch (event.kind) {
        case 'connect':
          return this.changes(await this.redis.presenceConnect(prefix, event.connection_id, event.gateway_id, event.session_id, event.user_id, ttlMs));
        case 'disconnect':
          return this.changes(await this.redis.presenceDisconnect(prefix, event.connection_id, ttlMs));
        case 'join':
          return this.changes(
            await this.redis.presenceJoin(prefix, event.connection_id, event.gateway_id, event.session_id, event.user_id, event.room_id, event.at, ttlMs),
          );
        case 'leave':
          return this.changes(await this.redis.presenceLeave(prefix, event.connection_id, event.room_id, event.at, ttlMs));
        case 'refresh':
          return this.changes(await this.redis.presenceRefresh(prefix, event.gateway_id, event.at, event.ttl_ms, JSON.stringify(event.connections)));
      }
    });
  }

  /** Removes up to `sweepBatch` expired connections; `closed` < batch means none are left due. */
  sweep(): Promise<{ closed: number; changes: RoomChange[] }> {
    return this.run(async () => {
      const [closed, flat] = await this.redis.presenceSweep(this.keys.prefix, this.options.sweepBatch, this.options.ttlMs);
      return { closed, changes: this.changes(flat) };
    });
  }

  /** Distinct online users per room (0 for an empty or unknown room). */
  counts(roomIds: readonly string[]): Promise<Record<string, number>> {
    return this.run(async () => {
      if (roomIds.length === 0) return {};
      const pipeline = this.redis.pipeline();
      for (const roomId of roomIds) pipeline.hlen(this.keys.room(roomId));
      const results = (await pipeline.exec()) ?? [];
      const counts: Record<string, number> = {};
      roomIds.forEach((roomId, i) => {
        const [err, value] = results[i] ?? [new Error('missing reply'), 0];
        if (err) throw err;
        counts[roomId] = Number(value);
      });
      return counts;
    });
  }

  /** The distinct users online in a room, sorted. */
  roomUsers(roomId: string): Promise<string[]> {
    return this.run(async () => (await this.redis.hkeys(this.keys.room(roomId))).sort());
  }

  /** How many live connections the user has anywhere (0 = offline). */
  async userConnections(userId: string): Promise<number> {
    return this.run(async () => Number((await this.redis.hget(this.keys.online(), userId)) ?? 0));
  }

  /** Distinct users online anywhere. */
  onlineUsers(): Promise<number> {
    return this.run(() => this.redis.hlen(this.keys.online()));
  }

  onActivity(listener: (activity: readonly PresenceActivity[]) => void): void {
    this.activityListener = listener;
  }

  settleOffline(userId: string): Promise<boolean> {
    return this.run(async () => (await this.redis.presenceSettleOffline(this.keys.prefix, userId)) === 1);
  }

  /** One round trip to Redis. */
  async ping(): Promise<void> {
    await this.run(() => this.redis.ping());
  }

  /** Stops listening to the client's events (the client itself belongs to the caller). */
  dispose(): void {
    this.redis.off('error', this.onDisruption);
    this.redis.off('close', this.onDisruption);
    this.redis.off('ready', this.onDisruption);
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      this.disruptedAt = Date.now();
      throw err;
    }
  }

  /** A script's flat `action, room_id, user_id, …` list: room changes returned, activity to the listener. */
  private changes(flat: readonly string[]): RoomChange[] {
    const rooms: RoomChange[] = [];
    const activity: PresenceActivity[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      const [action, room_id = '', user_id = ''] = [flat[i], flat[i + 1], flat[i + 2]];
      if (action === 'user_joined' || action === 'user_left') rooms.push({ action, room_id, user_id });
      else if (action === 'user_online' || action === 'user_offline') activity.push({ action, user_id });
      else if (action === 'room_vacated') activity.push({ action, room_id });
    }
    if (activity.length > 0) this.activityListener?.(activity);
    return rooms;
  }
}
