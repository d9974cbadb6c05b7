import type { PresenceEvent } from '@parley/protocol';

/** A user's first connection entered a room, or their last one left it. */
export interface RoomChange {
  readonly action: 'user_joined' | 'user_left';
  readonly room_id: string;
  readonly user_id: string;
}

/**
 * What a deployment's backend hears of presence (webhooks), reported by the store with the update
 * that caused it, exactly once across instances: a user's first connection anywhere (not after
 * an absence shorter than the grace period: see {@link PresenceStore.settleOffline}), a user's
 * last connection closing, a room's last online user leaving.
 */
export type PresenceActivity =
  { readonly action: 'user_online' | 'user_offline'; readonly user_id: string } | { readonly action: 'room_vacated'; readonly room_id: string };

export interface PresenceStoreOptions {
  /** Lifetime of a connection before its first refresh, and of a closed connection's tombstone. */
  readonly ttlMs: number;
  /** Most connections one sweep removes. */
  readonly sweepBatch: number;
}

/**
 * Where presence lives: Redis (`RedisPresenceStore`, shared by every instance) or this process's
 * memory (`MemoryPresenceStore`, embedded mode: one instance). Both run one contract suite
 * (test/store.contract.ts). Every update is atomic; its room changes are reported exactly once.
 */
export interface PresenceStore {
  /**
   * When the store last failed a command, dropped or re-established its connection, or was
   * created (ms since epoch): the start of the window in which stored expiries may be stale.
   */
  lastDisruptionAt(): number;
  isConnected(): boolean;
  /** Applies one gateway event; returns the room changes it caused (each exactly once across instances). */
  apply(event: PresenceEvent): Promise<RoomChange[]>;
  /** Removes up to `sweepBatch` expired connections; `closed` < batch means none are left due. */
  sweep(): Promise<{ closed: number; changes: RoomChange[] }>;
  /** Distinct online users per room (0 for an empty or unknown room). */
  counts(roomIds: readonly string[]): Promise<Record<string, number>>;
  /** The distinct users online in a room, sorted. */
  roomUsers(roomId: string): Promise<string[]>;
  /** How many live connections the user has anywhere (0 = offline). */
  userConnections(userId: string): Promise<number>;
  /** Distinct users online anywhere. */
  onlineUsers(): Promise<number>;
  /** Calls `listener` with the activity of every update this store applies (replacing any earlier listener). */
  onActivity(listener: (activity: readonly PresenceActivity[]) => void): void;
  /**
   * Settles a `user_offline` reported a grace period ago: true (once, across instances) if no
   * connection of the user opened since, so the user is offline; false if one did (a reload:
   * neither the offline nor the return is announced).
   */
  settleOffline(userId: string): Promise<boolean>;
  /** One round trip to the backend. */
  ping(): Promise<void>;
  /** Stops listening to the backend's events (a client it was given stays the caller's). */
  dispose(): void;
}

/** The store options a service's config sets. */
export function storeOptions(config: { PRESENCE_TTL_MS: number; PRESENCE_SWEEP_BATCH: number }): PresenceStoreOptions {
  return { ttlMs: config.PRESENCE_TTL_MS, sweepBatch: config.PRESENCE_SWEEP_BATCH };
}
