import type { PresenceEvent } from '@parley/protocol';
import type { PresenceActivity, PresenceStore, PresenceStoreOptions, RoomChange } from './presence.store.js';

interface Connection {
  readonly user_id: string;
}

/** The last join/leave applied to one room of one connection: a last-writer-wins register. */
interface Register {
  readonly in: boolean;
  readonly at: number;
}

/**
 * What a Redis deployment holds, held in this process (the names follow redis/keys.ts). Stores
 * built on one state are one deployment, as stores on one Redis prefix are.
 */
export class MemoryPresenceState {
  readonly conns = new Map<string, Connection>();
  readonly connRooms = new Map<string, Map<string, Register>>();
  /** Tombstones: connection id → when it may be forgotten (ms). */
  readonly gone = new Map<string, number>();
  /** Connection id → when it expires (ms). */
  readonly expiry = new Map<string, number>();
  /** Room → user → that user's live connections in the room. */
  readonly rooms = new Map<string, Map<string, number>>();
  readonly online = new Map<string, number>();
  /** Users whose last connection closed, until settled or back (`offline:pending`). */
  readonly offlinePending = new Set<string>();
}

/**
 * Presence in this process's memory, for embedded mode (one process, so one instance): the same
 * rules as the Redis scripts (redis/lua/), step for step, held to the same contract suite.
 * Each method runs to completion before another starts, which is what makes a Lua script atomic.
 */
export class MemoryPresenceStore implements PresenceStore {
  private readonly createdAt = Date.now();
  private listener: ((activity: readonly PresenceActivity[]) => void) | undefined;
  /** The activity of the update in progress, reported when it ends (as a script's `out`). */
  private activity: PresenceActivity[] = [];

  constructor(
    private readonly options: PresenceStoreOptions,
    private readonly state = new MemoryPresenceState(),
  ) {}

  lastDisruptionAt(): number {
    return this.createdAt;
  }

  isConnected(): boolean {
    return true;
  }

  async apply(event: PresenceEvent): Promise<RoomChange[]> {
    const out: RoomChange[] = [];
    const ttl = this.options.ttlMs;
    switch (event.kind) {
      case 'connect': {
        if (this.open(event.connection_id, event.user_id)) this.extend(event.connection_id, Date.now() + ttl, 'gt');
        break;
      }
      case 'disconnect':
        this.close(event.connection_id, ttl, out);
        break;
      case 'join': {
        const user = this.open(event.connection_id, event.user_id);
        if (!user) break;
        this.extend(event.connection_id, Date.now() + ttl, 'gt');
        this.setRoom(event.connection_id, user, event.room_id, true, event.at, false, out);
        break;
      }
      case 'leave': {
        const cid = event.connection_id;
        if (this.isGone(cid)) break;
        const user = this.state.conns.get(cid)?.user_id;
        // A leave that overtook its connection's connect/join is remembered, with an expiry.
        if (!user) this.extend(cid, Date.now() + ttl, 'nx');
        this.setRoom(cid, user, event.room_id, false, event.at, false, out);
        break;
      }
      case 'refresh': {
        const expires = Date.now() + event.ttl_ms;
        const staleBefore = event.at - event.ttl_ms;
        for (const c of event.connections) {
          const user = this.open(c.connection_id, c.user_id);
          if (!user) continue;
          this.state.expiry.set(c.connection_id, expires);
          const wanted = new Set(c.rooms);
          for (const room of c.rooms) this.setRoom(c.connection_id, user, room, true, event.at, true, out);
          for (const [room, reg] of [...(this.state.connRooms.get(c.connection_id) ?? [])]) {
            if (!wanted.has(room) && reg.in) this.setRoom(c.connection_id, user, room, false, event.at, true, out);
            else if (!reg.in && reg.at < staleBefore) this.state.connRooms.get(c.connection_id)?.delete(room);
          }
        }
        break;
      }
    }
    this.report();
    return out;
  }

  onActivity(listener: (activity: readonly PresenceActivity[]) => void): void {
    this.listener = listener;
  }

  async settleOffline(userId: string): Promise<boolean> {
    return this.state.offlinePending.delete(userId);
  }

  private report(): void {
    const activity = this.activity;
    this.activity = [];
    if (activity.length > 0) this.listener?.(activity);
  }

  async sweep(): Promise<{ closed: number; changes: RoomChange[] }> {
    const now = Date.now();
    for (const [cid, until] of this.state.gone) if (until <= now) this.state.gone.delete(cid);
    const due = [...this.state.expiry]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, this.options.sweepBatch);
    const changes: RoomChange[] = [];
    for (const [cid] of due) this.close(cid, this.options.ttlMs, changes);
    this.report();
    return { closed: due.length, changes };
  }

  async counts(roomIds: readonly string[]): Promise<Record<string, number>> {
    return Object.fromEntries(roomIds.map((id) => [id, this.state.rooms.get(id)?.size ?? 0]));
  }

  async roomUsers(roomId: string): Promise<string[]> {
    return [...(this.state.rooms.get(roomId)?.keys() ?? [])].sort();
  }

  async userConnections(userId: string): Promise<number> {
    return this.state.online.get(userId) ?? 0;
  }

  async onlineUsers(): Promise<number> {
    return this.state.online.size;
  }

  async ping(): Promise<void> {}

  dispose(): void {}

  private isGone(cid: string): boolean {
    const until = this.state.gone.get(cid);
    return until !== undefined && until > Date.now();
  }

  /** The user of a live connection, registering it on first sight; undefined once it is closed. */
  private open(cid: string, user: string): string | undefined {
    if (this.isGone(cid)) return undefined;
    const known = this.state.conns.get(cid);
    if (known) return known.user_id;
    this.state.conns.set(cid, { user_id: user });
    if (countUp(this.state.online, user) === 1 && !this.state.offlinePending.delete(user)) this.activity.push({ action: 'user_online', user_id: user });
    return user;
  }

  /** ZADD GT (only later, or new) or NX (only new) on the expiry index. */
  private extend(cid: string, at: number, mode: 'gt' | 'nx'): void {
    const current = this.state.expiry.get(cid);
    if (current === undefined || (mode === 'gt' && at > current)) this.state.expiry.set(cid, at);
  }

  private setRoom(cid: string, user: string | undefined, room: string, wantIn: boolean, at: number, strict: boolean, out: RoomChange[]): void {
    let registers = this.state.connRooms.get(cid);
    const current = registers?.get(room);
    if (current && (current.at > at || (strict && current.at === at))) return;
    if (!registers) this.state.connRooms.set(cid, (registers = new Map()));
    registers.set(room, { in: wantIn, at });
    if (!user) return;
    const wasIn = current?.in ?? false;
    if (wantIn && !wasIn) {
      if (countUp(this.roomUsersMap(room), user) === 1) out.push({ action: 'user_joined', room_id: room, user_id: user });
    } else if (wasIn && !wantIn) {
      if (this.countDownRoom(room, user) === 0) this.left(room, user, out);
    }
  }

  private left(room: string, user: string, out: RoomChange[]): void {
    out.push({ action: 'user_left', room_id: room, user_id: user });
    if (!this.state.rooms.has(room)) this.activity.push({ action: 'room_vacated', room_id: room });
  }

  private close(cid: string, tombstoneMs: number, out: RoomChange[]): void {
    this.state.gone.set(cid, Date.now() + tombstoneMs);
    this.state.expiry.delete(cid);
    const user = this.state.conns.get(cid)?.user_id;
    if (user) {
      for (const [room, reg] of this.state.connRooms.get(cid) ?? []) {
        if (reg.in && this.countDownRoom(room, user) === 0) this.left(room, user, out);
      }
      if (countDown(this.state.online, user) === 0) {
        this.state.offlinePending.add(user);
        this.activity.push({ action: 'user_offline', user_id: user });
      }
    }
    this.state.conns.delete(cid);
    this.state.connRooms.delete(cid);
  }

  private countDownRoom(room: string, user: string): number {
    const users = this.roomUsersMap(room);
    const n = countDown(users, user);
    if (users.size === 0) this.state.rooms.delete(room);
    return n;
  }

  private roomUsersMap(room: string): Map<string, number> {
    let users = this.state.rooms.get(room);
    if (!users) this.state.rooms.set(room, (users = new Map()));
    return users;
  }
}

function countUp(counts: Map<string, number>, key: string): number {
  const n = (counts.get(key) ?? 0) + 1;
  counts.set(key, n);
  return n;
}

/** The new count; 0 means that was the last one (a missing key gives -1: no event), as in the Lua. */
function countDown(counts: Map<string, number>, key: string): number {
  const n = (counts.get(key) ?? 0) - 1;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
  return n;
}
