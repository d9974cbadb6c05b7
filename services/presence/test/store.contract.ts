import { createMemoryBus, subjects } from '@parley/bus';
import { createLogger, createMetrics } from '@parley/observability';
import type { PresenceEvent, RoomEvent } from '@parley/protocol';
import { uniqueId } from '@parley/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { presenceMetrics } from '../src/metrics.js';
import type { PresenceActivity, PresenceStore, PresenceStoreOptions, RoomChange } from '../src/presence/presence.store.js';
import { startSweeper } from '../src/presence/presence.sweeper.js';

export interface StoreTarget {
  store: PresenceStore;
  /** Another store on the same state with other options: a second presence instance. */
  peer(options: PresenceStoreOptions): PresenceStore;
  close(): Promise<void>;
}

const TTL = 60_000;
const OPTIONS: PresenceStoreOptions = { ttlMs: TTL, sweepBatch: 100 };
const gw = 'gw-a';

/** A test connection of `user` and the events it can send. */
export function conn(user: string) {
  const connection_id = uniqueId('c');
  const session_id = randomUUID();
  const base = { gateway_id: gw, connection_id, session_id, user_id: user };
  return {
    id: connection_id,
    connect: (at = Date.now()): PresenceEvent => ({ kind: 'connect', ...base, at }),
    disconnect: (at = Date.now()): PresenceEvent => ({ kind: 'disconnect', ...base, at }),
    join: (room_id: string, at = Date.now()): PresenceEvent => ({ kind: 'join', ...base, room_id, at }),
    leave: (room_id: string, at = Date.now()): PresenceEvent => ({ kind: 'leave', ...base, room_id, at }),
    entry: (rooms: string[]) => ({ connection_id, session_id, user_id: user, rooms }),
  };
}
export const refresh = (connections: ReturnType<ReturnType<typeof conn>['entry']>[], at = Date.now(), ttl_ms = TTL): PresenceEvent => ({
  kind: 'refresh',
  gateway_id: gw,
  connections,
  ttl_ms,
  at,
});
const joined = (room_id: string, user_id: string): RoomChange => ({ action: 'user_joined', room_id, user_id });
const left = (room_id: string, user_id: string): RoomChange => ({ action: 'user_left', room_id, user_id });

/**
 * What every presence store promises (Redis and memory alike): users, not tabs; each
 * user_joined / user_left exactly once; events applied out of order converge; refreshes are the
 * truth; expired connections are swept once; gateway counts add up. `open` gives an empty store.
 */
export function describePresenceStoreContract(name: string, open: (options: PresenceStoreOptions) => Promise<StoreTarget>): void {
  describe(`presence store on ${name}`, () => {
    let t: StoreTarget;
    let store: PresenceStore;
    beforeAll(async () => {
      t = await open(OPTIONS);
      store = t.store;
    });
    afterAll(() => t?.close());

    describe('activity for webhooks', () => {
      it('reports online once per user, offline when the last tab closes (settled once), and a room vacated by its last user', async () => {
        const seen: PresenceActivity[] = [];
        store.onActivity((a) => seen.push(...a));
        const [user, room] = [uniqueId('u'), uniqueId('r')];
        const [t1, t2, other] = [conn(user), conn(user), conn(uniqueId('u'))];
        await store.apply(t1.join(room));
        await store.apply(t2.join(room));
        await store.apply(other.join(room));
        expect(seen.filter((a) => 'user_id' in a && a.user_id === user)).toEqual([{ action: 'user_online', user_id: user }]);
        seen.length = 0;
        await store.apply(t1.disconnect());
        await store.apply(other.disconnect());
        expect(seen.filter((a) => a.action !== 'user_offline' || a.user_id === user)).toEqual([]);
        await store.apply(t2.disconnect());
        expect(seen.filter((a) => a.action === 'room_vacated' || a.user_id === user)).toEqual([
          { action: 'room_vacated', room_id: room },
          { action: 'user_offline', user_id: user },
        ]);
        expect(await store.settleOffline(user)).toBe(true);
        expect(await t.peer(OPTIONS).settleOffline(user)).toBe(false);
      });

      it('announces neither the offline nor the return of a user back before the offline is settled (a reload)', async () => {
        const seen: PresenceActivity[] = [];
        store.onActivity((a) => seen.push(...a));
        const user = uniqueId('u');
        const [before, after] = [conn(user), conn(user)];
        await store.apply(before.connect());
        await store.apply(before.disconnect());
        expect(seen).toEqual([
          { action: 'user_online', user_id: user },
          { action: 'user_offline', user_id: user },
        ]);
        seen.length = 0;
        await store.apply(after.connect());
        expect(seen).toEqual([]);
        expect(await store.settleOffline(user)).toBe(false);
        expect(await store.userConnections(user)).toBe(1);
      });
    });

    describe('users, not tabs', () => {
      it('announces a user once when the first tab joins and once when the last leaves', async () => {
        const room = uniqueId('r');
        const [t1, t2] = [conn('alice'), conn('alice')];
        expect(await store.apply(t1.connect())).toEqual([]);
        expect(await store.apply(t1.join(room))).toEqual([joined(room, 'alice')]);
        expect(await store.apply(t2.join(room))).toEqual([]); // join without connect: registered on first sight
        expect(await store.counts([room, uniqueId('empty')])).toMatchObject({ [room]: 1 });
        expect(await store.userConnections('alice')).toBe(2);
        expect(await store.apply(t1.leave(room))).toEqual([]);
        expect(await store.roomUsers(room)).toEqual(['alice']);
        expect(await store.apply(t2.disconnect())).toEqual([left(room, 'alice')]);
        expect(await store.counts([room])).toEqual({ [room]: 0 });
      });

      it('applying the same event twice changes nothing the second time', async () => {
        const room = uniqueId('r');
        const c = conn('bob');
        expect(await store.apply(c.join(room, 1000))).toEqual([joined(room, 'bob')]);
        expect(await store.apply(c.join(room, 1000))).toEqual([]);
        expect(await store.apply(c.disconnect())).toEqual([left(room, 'bob')]);
        expect(await store.apply(c.disconnect())).toEqual([]);
        expect(await store.userConnections('bob')).toBe(0);
      });
    });

    describe('events handled out of order (two instances share a gateway’s events)', () => {
      it('a leave that overtakes its older join wins', async () => {
        const room = uniqueId('r');
        const c = conn('carol');
        expect(await store.apply(c.leave(room, 2000))).toEqual([]);
        expect(await store.apply(c.join(room, 1000))).toEqual([]);
        expect(await store.counts([room])).toEqual({ [room]: 0 });
        expect(await store.apply(c.join(room, 3000))).toEqual([joined(room, 'carol')]);
      });

      it('a closed connection is never resurrected by a late event', async () => {
        const room = uniqueId('r');
        const c = conn('dave');
        await store.apply(c.disconnect(2000));
        expect(await store.apply(c.join(room, 1000))).toEqual([]);
        expect(await store.apply(c.connect(1000))).toEqual([]);
        expect(await store.apply(refresh([c.entry([room])]))).toEqual([]);
        expect(await store.counts([room])).toEqual({ [room]: 0 });
        expect(await store.userConnections('dave')).toBe(0);
      });
    });

    describe('refresh', () => {
      it('makes the connection’s rooms exactly the reported ones', async () => {
        const [a, b] = [uniqueId('r'), uniqueId('r')];
        const c = conn('erin');
        expect(await store.apply(refresh([c.entry([a])], 1000))).toEqual([joined(a, 'erin')]);
        expect(await store.apply(refresh([c.entry([b])], 2000))).toEqual([joined(b, 'erin'), left(a, 'erin')]);
        expect(await store.counts([a, b])).toEqual({ [a]: 0, [b]: 1 });
      });

      it('an older refresh does not undo a newer join or leave, and loses a tie', async () => {
        const room = uniqueId('r');
        const c = conn('frank');
        await store.apply(c.join(room, 5000));
        expect(await store.apply(refresh([c.entry([])], 4000))).toEqual([]);
        expect(await store.apply(refresh([c.entry([])], 5000))).toEqual([]);
        expect(await store.apply(c.leave(room, 6000))).toEqual([left(room, 'frank')]);
        expect(await store.apply(refresh([c.entry([room])], 6000))).toEqual([]);
        expect(await store.apply(refresh([c.entry([room])], 7000))).toEqual([joined(room, 'frank')]);
      });
    });

    describe('expiry', () => {
      it('sweeps due connections exactly once, even with concurrent sweepers, and keeps live ones', async () => {
        const room = uniqueId('r');
        const users = Array.from({ length: 30 }, (_, i) => conn(`u${i}`));
        const other = conn('stays');
        await store.apply(
          refresh(
            users.map((u) => u.entry([room])),
            Date.now(),
            1,
          ),
        );
        await store.apply(refresh([other.entry([room])]));
        await new Promise((r) => setTimeout(r, 5)); // let the 1 ms TTL pass
        const second = t.peer({ ...OPTIONS, sweepBatch: 7 });
        const drain = async (s: PresenceStore) => {
          const all: RoomChange[] = [];
          for (;;) {
            const { closed, changes } = await s.sweep();
            all.push(...changes);
            if (closed === 0) return all;
          }
        };
        try {
          const [x, y] = await Promise.all([drain(store), drain(second)]);
          const lefts = [...x, ...y].filter((c) => c.room_id === room);
          expect(lefts.map((c) => c.user_id).sort()).toEqual(users.map((_, i) => `u${i}`).sort());
          expect(lefts.every((c) => c.action === 'user_left')).toBe(true);
          expect(await store.roomUsers(room)).toEqual(['stays']);
          // An expired connection is closed: a late event does not bring it back.
          expect(await store.apply(users[0]!.join(room))).toEqual([]);
        } finally {
          second.dispose();
        }
      });

      it('the sweeper announces user_left once on the bus when a gateway stops refreshing', async () => {
        const bus = createMemoryBus();
        const room = uniqueId('r');
        const seen: RoomEvent[] = [];
        await bus.subscribe(subjects.chatRoom(room), (e) => void seen.push(e)).ready;
        const c = conn('gone-user');
        await store.apply(refresh([c.entry([room])], Date.now(), 200));
        const metrics = presenceMetrics(createMetrics({ service: 'presence', instanceId: uniqueId('p'), collectDefault: false }), {
          redisUp: () => true,
          onlineUsers: () => store.onlineUsers(),
        });
        const logger = createLogger({ service: 'presence', level: 'silent' });
        const sweeper = startSweeper({ bus, store, logger, metrics }, { intervalMs: 50, graceMs: 0, batch: 100 });
        try {
          await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 5_000 });
          await new Promise((r) => setTimeout(r, 200));
          expect(seen).toEqual([expect.objectContaining({ kind: 'system', action: 'user_left', user_id: 'gone-user', room_id: room })]);
        } finally {
          await sweeper.stop();
          await bus.drain();
        }
      });
    });
  });
}
