import { subjects, type Bus } from '@parley/bus';
import { uniqueId } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPeer, inspector, newDeployment, startPresence, type TestPresence } from './app.js';
import { FakeGateway, roomTap } from './fakes.js';

/** Two presence instances of one deployment share the gateways' events through the queue group. */
const deployment = newDeployment();
let one: TestPresence;
let two: TestPresence;
let peer: Awaited<ReturnType<typeof connectPeer>>;
let inspect: Awaited<ReturnType<typeof inspector>>;
let client: Bus;
const timeout = { timeoutMs: 5_000 };
const poll = { timeout: 10_000, interval: 50 };

beforeAll(async () => {
  [one, two] = await Promise.all([startPresence(deployment), startPresence(deployment)]);
  peer = await connectPeer(deployment);
  inspect = await inspector(deployment);
  client = peer.bus();
});
afterAll(async () => {
  await peer?.close();
  await Promise.all([one?.close(), two?.close()]);
  await inspect?.close();
});

const counts = async (...rooms: string[]) => (await client.request(subjects.presence.counts, { room_ids: rooms }, timeout)).counts;
const room = async (id: string) => client.request(subjects.presence.room, { room_id: id }, timeout);
const user = async (id: string) => client.request(subjects.presence.user, { user_id: id }, timeout);
const register = (connectionId: string, roomId: string) => inspect.redis.hget(inspect.keys.connRooms(connectionId), roomId);
const gateway = (ttlMs = 60_000) => new FakeGateway(peer.bus(), ttlMs);

/**
 * Waits until both instances have handled everything published before: fresh users join the room
 * from one gateway, and their user_joined events are heard. With 20 of them, both instances get
 * some (the queue group spreads them), and each instance publishes in order, so anything either
 * published earlier has been heard too.
 */
async function barrier(gw: FakeGateway, roomId: string, tap: Awaited<ReturnType<typeof roomTap>>): Promise<void> {
  const users = Array.from({ length: 20 }, () => uniqueId('sentinel'));
  for (const user of users) gw.join(gw.connect(user), roomId);
  await expect.poll(() => users.every((u) => tap.of(u).includes('user_joined')), poll).toBe(true);
}

describe('presence across gateways', () => {
  it('counts distinct users per room, not tabs, lists them, and says whether a user is online', async () => {
    const [g1, g2] = [gateway(), gateway()];
    const lobby = uniqueId('lobby');
    const empty = uniqueId('empty');
    const aliceDesk = g1.connect('alice');
    const alicePhone = g2.connect('alice');
    const bob = g1.connect('bob');
    for (const c of [aliceDesk, bob]) g1.join(c, lobby);
    g2.join(alicePhone, lobby);
    await expect.poll(() => register(alicePhone, lobby), poll).toMatch(/^in:/);
    await expect.poll(() => counts(lobby, empty), poll).toEqual({ [lobby]: 2, [empty]: 0 });
    expect(await room(lobby)).toEqual({ room_id: lobby, users: ['alice', 'bob'], count: 2 });
    expect(await user('alice')).toEqual({ user_id: 'alice', online: true, connections: 2 });

    g1.disconnect(bob);
    g1.disconnect(aliceDesk);
    await expect.poll(() => room(lobby), poll).toEqual({ room_id: lobby, users: ['alice'], count: 1 });
    g2.disconnect(alicePhone);
    await expect.poll(() => counts(lobby), poll).toEqual({ [lobby]: 0 });
    expect(await user('alice')).toEqual({ user_id: 'alice', online: false, connections: 0 });
  });

  it('announces a user with two tabs once on join and once on leave', async () => {
    const g = gateway();
    const r = uniqueId('room');
    const tap = await roomTap(peer.bus(), r);
    const [tab1, tab2] = [g.connect('carol'), g.connect('carol')];
    g.join(tab1, r);
    await expect.poll(() => tap.of('carol'), poll).toEqual(['user_joined']);
    g.join(tab2, r);
    await expect.poll(() => register(tab2, r), poll).toMatch(/^in:/);
    g.leave(tab1, r);
    await expect.poll(() => register(tab1, r), poll).toMatch(/^out:/);
    expect(tap.of('carol')).toEqual(['user_joined']);
    g.disconnect(tab2);
    await expect.poll(() => tap.of('carol'), poll).toEqual(['user_joined', 'user_left']);

    await barrier(g, r, tap);
    expect(tap.of('carol')).toEqual(['user_joined', 'user_left']);
    expect(tap.events.find((e) => e.user_id === 'carol')).toMatchObject({ kind: 'system', room_id: r });
  });

  it('announces each user exactly once under load, with both instances applying events', async () => {
    const [g1, g2] = [gateway(), gateway()];
    const r = uniqueId('busy');
    const tap = await roomTap(peer.bus(), r);
    const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
    const tabs = users.map((u) => [g1.connect(u), g2.connect(u)] as const);
    for (const [a, b] of tabs) {
      g1.join(a, r);
      g2.join(b, r);
    }
    await expect.poll(() => counts(r), poll).toEqual({ [r]: 30 });
    await expect.poll(async () => (await Promise.all(tabs.map(([, b]) => register(b, r)))).every((v) => v?.startsWith('in:')), poll).toBe(true);
    for (const [a, b] of tabs) {
      g1.leave(a, r);
      g2.disconnect(b);
    }
    await expect.poll(() => counts(r), poll).toEqual({ [r]: 0 });
    await barrier(g1, r, tap);
    for (const u of users) expect(tap.of(u), u).toEqual(['user_joined', 'user_left']);

    // The queue group spread the work: both instances applied events.
    const applied = async (p: TestPresence) => {
      const text = await (await fetch(`${p.url}/metrics`)).text();
      return [...text.matchAll(/^parley_presence_events_total\{[^}]*outcome="applied"[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
    };
    expect(await applied(one)).toBeGreaterThan(0);
    expect(await applied(two)).toBeGreaterThan(0);
  });
});

describe('expiry', () => {
  it('expires a gateway that stops refreshing, within its TTL, and announces its users as left', async () => {
    const live = gateway(1_500);
    const doomed = gateway(1_500);
    const r = uniqueId('room');
    const tap = await roomTap(peer.bus(), r);
    live.join(live.connect('dave'), r);
    live.join(live.connect('erin'), r);
    doomed.join(doomed.connect('frank'), r);
    const erinElsewhere = doomed.connect('erin');
    doomed.join(erinElsewhere, r);
    live.startRefreshing(300);
    doomed.startRefreshing(300);
    await expect.poll(() => room(r), poll).toMatchObject({ users: ['dave', 'erin', 'frank'] });

    await doomed.vanish(); // SIGKILL: no disconnects, no more refreshes
    await expect.poll(() => tap.of('frank'), poll).toEqual(['user_joined', 'user_left']);
    await expect.poll(() => inspect.redis.exists(inspect.keys.conn(erinElsewhere)), poll).toBe(0);
    live.refresh();
    await expect.poll(() => room(r), poll).toEqual({ room_id: r, users: ['dave', 'erin'], count: 2 });
    // erin still has a live tab: her other tab's expiry is not a departure.
    expect(tap.of('erin')).toEqual(['user_joined']);
    expect(tap.of('dave')).toEqual(['user_joined']);
    live.stopRefreshing();
  });
});
