import { BusRequestError, subjects } from '@parley/bus';
import { uniqueId } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { deleteKeys } from './app.js';
import { roomTap } from './fakes.js';
import { useStacks } from './stack.js';

/** Redis stops answering for one presence instance: a proxy in front of the shared Redis, never the server itself. */
const { stack, proxy } = useStacks();
const poll = { timeout: 10_000, interval: 100 };

describe('Redis outage', () => {
  it('degrades when Redis refuses connections, fails queries fast, and rebuilds from the next refresh', async () => {
    const p = await proxy();
    const s = await stack({ redisUrl: p.url });
    await s.api();
    const g = s.gateway(1_500);
    await g.serveHealth();
    const r = uniqueId('room');
    g.join(g.connect('gus'), r);
    g.startRefreshing(200);
    const client = s.bus();
    const counts = async () => (await client.request(subjects.presence.counts, { room_ids: [r] }, { timeoutMs: 5_000 })).counts;
    await expect.poll(counts, poll).toEqual({ [r]: 1 });
    expect((await s.healthz()).body.status).toBe('healthy');

    p.refuse = true;
    p.cut();
    await expect.poll(async () => (await s.healthz()).body, poll).toMatchObject({ status: 'degraded', components: { redis: 'unhealthy' } });
    expect((await s.healthz()).status).toBe(200);
    expect((await fetch(`${s.presence.url}/readyz`)).status).toBe(200);
    const error = await counts().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BusRequestError);
    expect((error as BusRequestError).remote).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE', details: { retryable: true } });

    // Redis comes back without the data (as after a restart without persistence).
    await deleteKeys(s.inspect.redis, s.deployment.keyPrefix);
    p.refuse = false;
    await expect.poll(async () => (await s.healthz()).body.status, poll).toBe('healthy');
    await expect.poll(counts, poll).toEqual({ [r]: 1 });
    g.stopRefreshing();
  });

  it('degrades when Redis goes silent (a black hole), without hanging, and recovers', async () => {
    const p = await proxy();
    const s = await stack({ redisUrl: p.url });
    await s.api();
    await s.gateway().serveHealth();
    expect((await s.healthz()).body.status).toBe('healthy');

    p.pause();
    expect(await s.healthz()).toMatchObject({ status: 200, body: { status: 'degraded', components: { redis: 'unhealthy' } } });
    const query = s.bus().request(subjects.presence.room, { room_id: 'general' }, { timeoutMs: 5_000 });
    const error = await query.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as BusRequestError).remote?.error_code).toBe('SERVICE_UNAVAILABLE');

    p.resume();
    await expect.poll(async () => (await s.healthz()).body.status, poll).toBe('healthy');
  });

  it('after an outage longer than the TTL, live users are not announced as gone; dead ones are', async () => {
    const p = await proxy();
    const s = await stack({ redisUrl: p.url, config: { PRESENCE_SWEEP_GRACE_MS: 1_000 } });
    const live = s.gateway(400);
    const dead = s.gateway(400);
    const r = uniqueId('room');
    const tap = await roomTap(s.bus(), r);
    const hal = live.connect('hal');
    const ivy = dead.connect('ivy');
    live.join(hal, r);
    dead.join(ivy, r);
    live.startRefreshing(100);
    dead.startRefreshing(100);
    await expect.poll(() => tap.of('ivy'), poll).toEqual(['user_joined']);
    await expect.poll(() => tap.of('hal'), poll).toEqual(['user_joined']);

    p.refuse = true;
    p.cut();
    await dead.vanish();
    live.stopRefreshing(); // its refreshes would be lost anyway; resumed below, once Redis is back
    // Wait until both stored expiries have passed on Redis's clock.
    const expired = async () => {
      const [seconds, micros] = await s.inspect.redis.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const scores = await Promise.all([hal, ivy].map((c) => s.inspect.redis.zscore(s.inspect.keys.expiry(), c)));
      return scores.every((score) => score !== null && Number(score) < now);
    };
    await expect.poll(expired, poll).toBe(true);

    p.refuse = false;
    // Redis is back; a sweep now would take hal too. The grace leaves time for hal's next refresh.
    const redisCheck = async () => ((await (await fetch(`${s.presence.url}/readyz`)).json()) as { components: { redis: string } }).components.redis;
    await expect.poll(redisCheck, { timeout: 10_000, interval: 20 }).toBe('healthy');
    live.startRefreshing(100);
    await expect.poll(() => tap.of('ivy'), poll).toEqual(['user_joined', 'user_left']);
    expect(tap.of('hal')).toEqual(['user_joined']);
    const users = await s.bus().request(subjects.presence.room, { room_id: r }, { timeoutMs: 5_000 });
    expect(users).toEqual({ room_id: r, users: ['hal'], count: 1 });
    live.stopRefreshing();
  });
});
