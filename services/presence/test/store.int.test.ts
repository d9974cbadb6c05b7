import type { PresenceEvent } from '@parley/protocol';
import { uniqueId } from '@parley/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceStore, type RoomChange } from '../src/presence/presence.store.js';
import { waitForRedis } from '../src/redis/client.js';
import { KEY_NAMES, presenceKeys } from '../src/redis/keys.js';
import { inspector, newDeployment } from './app.js';

/** The scripts' semantics, one Redis round trip at a time (deterministic order). */
const deployment = newDeployment();
let inspect: Awaited<ReturnType<typeof inspector>>;
let store: PresenceStore;
const TTL = 60_000;

beforeAll(async () => {
  inspect = await inspector(deployment);
  store = new PresenceStore(inspect.redis, inspect.keys, { ttlMs: TTL, sweepBatch: 100, gatewayRetentionMs: 86_400_000 });
});
afterAll(async () => {
  store?.dispose();
  await inspect?.close();
});

const gw = 'gw-a';
function conn(user: string) {
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
const refresh = (connections: ReturnType<ReturnType<typeof conn>['entry']>[], at = Date.now(), ttl_ms = TTL): PresenceEvent => ({
  kind: 'refresh',
  gateway_id: gw,
  connections,
  ttl_ms,
  at,
});
const joined = (room_id: string, user_id: string): RoomChange => ({ action: 'user_joined', room_id, user_id });
const left = (room_id: string, user_id: string): RoomChange => ({ action: 'user_left', room_id, user_id });

describe('key layout', () => {
  it('builds the same keys in TypeScript and in Lua', async () => {
    const keys = presenceKeys(deployment.keyPrefix);
    const lua = await inspect.redis.presenceKeysProbe(deployment.keyPrefix, 'x-1');
    const ts = KEY_NAMES.map((name) => (keys[name] as (id: string) => string)('x-1'));
    expect(lua).toEqual(ts);
    expect(ts.every((k) => k.startsWith(`${deployment.keyPrefix}:`))).toBe(true);
    expect(new Set(ts).size).toBe(ts.length);
  });

  it('refuses prefixes and ids that could break the layout', () => {
    expect(() => presenceKeys('')).toThrow();
    expect(() => presenceKeys('a b')).toThrow();
    expect(() => presenceKeys('p').room('a:b')).toThrow();
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
    expect(await store.apply(t1.leave(room))).toEqual([]);
    expect(await store.roomUsers(room)).toEqual(['alice']);
    expect(await store.apply(t2.disconnect())).toEqual([left(room, 'alice')]);
    expect(await store.counts([room])).toEqual({ [room]: 0 });
  });

  it('applying the same event twice changes nothing the second time', async () => {
    const room = uniqueId('r');
    const t = conn('bob');
    expect(await store.apply(t.join(room, 1000))).toEqual([joined(room, 'bob')]);
    expect(await store.apply(t.join(room, 1000))).toEqual([]);
    expect(await store.apply(t.disconnect())).toEqual([left(room, 'bob')]);
    expect(await store.apply(t.disconnect())).toEqual([]);
  });
});

describe('events handled out of order (two instances share a gateway’s events)', () => {
  it('a leave that overtakes its older join wins', async () => {
    const room = uniqueId('r');
    const t = conn('carol');
    expect(await store.apply(t.leave(room, 2000))).toEqual([]);
    expect(await store.apply(t.join(room, 1000))).toEqual([]);
    expect(await store.counts([room])).toEqual({ [room]: 0 });
    expect(await store.apply(t.join(room, 3000))).toEqual([joined(room, 'carol')]);
  });

  it('a closed connection is never resurrected by a late event', async () => {
    const room = uniqueId('r');
    const t = conn('dave');
    await store.apply(t.disconnect(2000));
    expect(await store.apply(t.join(room, 1000))).toEqual([]);
    expect(await store.apply(t.connect(1000))).toEqual([]);
    expect(await store.apply(refresh([t.entry([room])]))).toEqual([]);
    expect(await store.counts([room])).toEqual({ [room]: 0 });
    expect(await inspect.redis.exists(inspect.keys.conn(t.id))).toBe(0);
  });
});

describe('refresh', () => {
  it('makes the connection’s rooms exactly the reported ones', async () => {
    const [a, b] = [uniqueId('r'), uniqueId('r')];
    const t = conn('erin');
    expect(await store.apply(refresh([t.entry([a])], 1000))).toEqual([joined(a, 'erin')]);
    expect(await store.apply(refresh([t.entry([b])], 2000))).toEqual([joined(b, 'erin'), left(a, 'erin')]);
    expect(await store.counts([a, b])).toEqual({ [a]: 0, [b]: 1 });
  });

  it('an older refresh does not undo a newer join or leave, and loses a tie', async () => {
    const room = uniqueId('r');
    const t = conn('frank');
    await store.apply(t.join(room, 5000));
    expect(await store.apply(refresh([t.entry([])], 4000))).toEqual([]);
    expect(await store.apply(refresh([t.entry([])], 5000))).toEqual([]);
    expect(await store.apply(t.leave(room, 6000))).toEqual([left(room, 'frank')]);
    expect(await store.apply(refresh([t.entry([room])], 6000))).toEqual([]);
    expect(await store.apply(refresh([t.entry([room])], 7000))).toEqual([joined(room, 'frank')]);
  });

  it('forgets "left" markers once no event that old can still arrive', async () => {
    const [a, b] = [uniqueId('r'), uniqueId('r')];
    const t = conn('hugo');
    await store.apply(t.join(a, 1000));
    await store.apply(t.leave(a, 2000));
    await store.apply(refresh([t.entry([b])], 3000, 5000));
    expect(await inspect.redis.hget(inspect.keys.connRooms(t.id), a)).toBe('out:2000');
    await store.apply(refresh([t.entry([b])], 8000, 5000));
    expect(await inspect.redis.hgetall(inspect.keys.connRooms(t.id))).toEqual({ [b]: 'in:8000' });
  });

  it('rebuilds presence that Redis lost', async () => {
    const room = uniqueId('r');
    const t = conn('gina');
    await store.apply(t.join(room));
    await inspect.redis.del(inspect.keys.conn(t.id), inspect.keys.connRooms(t.id), inspect.keys.room(room));
    expect(await store.apply(refresh([t.entry([room])]))).toEqual([joined(room, 'gina')]);
    expect(await store.roomUsers(room)).toEqual(['gina']);
  });
});

describe('expiry', () => {
  it('sweeps due connections exactly once, even with concurrent sweepers', async () => {
    const room = uniqueId('r');
    const users = Array.from({ length: 30 }, (_, i) => conn(`u${i}`));
    const other = conn('stays');
    await store.apply(refresh(users.map((u) => u.entry([room])), Date.now(), 1));
    await store.apply(refresh([other.entry([room])]));
    await new Promise((r) => setTimeout(r, 5)); // let the 1 ms TTL pass on Redis's clock
    const client = inspect.redis.duplicate();
    await waitForRedis(client, 5_000);
    const second = new PresenceStore(client, inspect.keys, { ttlMs: TTL, sweepBatch: 7, gatewayRetentionMs: 1 });
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
    } finally {
      second.dispose();
      client.disconnect();
    }
  });
});

describe('gateway message counts', () => {
  it('keeps the max within an incarnation, adds up restarts, and folds silent gateways', async () => {
    const d = newDeployment();
    const keys = presenceKeys(d.keyPrefix);
    const s = new PresenceStore(inspect.redis, keys, { ttlMs: TTL, sweepBatch: 10, gatewayRetentionMs: 86_400_000 });
    const t0 = Date.now() - 600_000;
    try {
      expect(await s.recordGateways([{ gatewayId: 'g1', startedAtMs: t0, messages: 10 }, { gatewayId: 'g2', startedAtMs: t0, messages: 5 }])).toBe(15);
      // An older report of the same incarnation, landing late, never lowers it (start times within the tolerance).
      expect(await s.recordGateways([{ gatewayId: 'g1', startedAtMs: t0 + 1_000, messages: 8 }])).toBe(15);
      // g1 restarted under the same id: its old count is retired, the new one adds up.
      expect(await s.recordGateways([{ gatewayId: 'g1', startedAtMs: t0 + 300_000, messages: 2 }])).toBe(17);
      // No report at all: the total of everything ever reported.
      expect(await s.recordGateways([])).toBe(17);
      const folding = new PresenceStore(inspect.redis, keys, { ttlMs: TTL, sweepBatch: 10, gatewayRetentionMs: -1 });
      expect(await folding.recordGateways([])).toBe(17);
      folding.dispose();
      expect(await inspect.redis.zcard(keys.gateways())).toBe(0);
      expect(await inspect.redis.get(keys.retired())).toBe('17');
    } finally {
      s.dispose();
      await inspect.redis.del(keys.gateway('g1'), keys.gateway('g2'), keys.gateways(), keys.retired());
    }
  });
});
