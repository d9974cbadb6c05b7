import { uniqueId } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PresenceStoreOptions } from '../src/presence/presence.store.js';
import { waitForRedis } from '@parley/redis';
import { KEY_NAMES, presenceKeys } from '../src/redis/keys.js';
import type { GatewayCountersOptions } from '../src/health/gateway-counters.js';
import { RedisGatewayCounters } from '../src/redis/redis.gateway-counters.js';
import { RedisPresenceStore } from '../src/redis/redis.store.js';
import { deleteKeys, inspector, newDeployment } from './app.js';
import { describeGatewayCountersContract } from './gateway-counters.contract.js';
import { conn, describePresenceStoreContract, refresh } from './store.contract.js';

const deployment = newDeployment();
let inspect: Awaited<ReturnType<typeof inspector>>;
beforeAll(async () => {
  inspect = await inspector(deployment);
});
afterAll(() => inspect?.close());

describePresenceStoreContract('redis', async (options) => {
  const keys = presenceKeys(`${deployment.keyPrefix}:${uniqueId('s')}`);
  const client = inspect.redis.duplicate();
  await waitForRedis(client, 5_000);
  const store = new RedisPresenceStore(inspect.redis, keys, options);
  return {
    store,
    // Another client, as another presence instance has.
    peer: (other: PresenceStoreOptions) => new RedisPresenceStore(client, keys, other),
    async close() {
      store.dispose();
      await deleteKeys(inspect.redis, keys.prefix);
      client.disconnect();
    },
  };
});

describeGatewayCountersContract('redis', async (options) => {
  const keys = presenceKeys(`${deployment.keyPrefix}:${uniqueId('g')}`);
  const client = inspect.redis.duplicate();
  await waitForRedis(client, 5_000);
  return {
    counters: new RedisGatewayCounters(inspect.redis, keys, options),
    // Another client, as another presence instance has.
    peer: (other: GatewayCountersOptions) => new RedisGatewayCounters(client, keys, other),
    async close() {
      await deleteKeys(inspect.redis, keys.prefix);
      client.disconnect();
    },
  };
});

/** What only Redis has: its key layout, and state it can lose under the store. */
describe('redis presence store', () => {
  const options = { ttlMs: 60_000, sweepBatch: 100 };

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

  it('forgets "left" markers once no event that old can still arrive', async () => {
    const store = new RedisPresenceStore(inspect.redis, inspect.keys, options);
    const [a, b] = [uniqueId('r'), uniqueId('r')];
    const c = conn('hugo');
    await store.apply(c.join(a, 1000));
    await store.apply(c.leave(a, 2000));
    await store.apply(refresh([c.entry([b])], 3000, 5000));
    expect(await inspect.redis.hget(inspect.keys.connRooms(c.id), a)).toBe('out:2000');
    await store.apply(refresh([c.entry([b])], 8000, 5000));
    expect(await inspect.redis.hgetall(inspect.keys.connRooms(c.id))).toEqual({ [b]: 'in:8000' });
    store.dispose();
  });

  it('rebuilds presence that Redis lost', async () => {
    const store = new RedisPresenceStore(inspect.redis, inspect.keys, options);
    const room = uniqueId('r');
    const c = conn('gina');
    await store.apply(c.join(room));
    await inspect.redis.del(inspect.keys.conn(c.id), inspect.keys.connRooms(c.id), inspect.keys.room(room));
    expect(await store.apply(refresh([c.entry([room])]))).toEqual([{ action: 'user_joined', room_id: room, user_id: 'gina' }]);
    expect(await store.roomUsers(room)).toEqual(['gina']);
    store.dispose();
  });
});
