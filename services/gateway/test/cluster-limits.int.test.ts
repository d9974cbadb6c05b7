import { waitForRedis } from '@parley/redis';
import { isError, isType, serviceUrl, startServiceProcess, startTcpProxy, type ServiceProcess, type TcpProxy, type TestSocket } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayTestbed, type ApiStack, type TestGateway } from './stack.js';

/**
 * The per-user limits hold across gateways (two gateways of one stack share Redis), survive a
 * crashed gateway for no longer than the connection TTL, and degrade to per-gateway limits while
 * Redis is away, recovering by themselves.
 */

const bed = new GatewayTestbed('cluster');
const { gateway, open } = bed;
let stack: ApiStack;
let crashed: ServiceProcess | undefined;
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  stack = await bed.start();
});
afterAll(async () => {
  await crashed?.stop('SIGKILL');
  await bed.close();
  await proxy?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session of `userId`; every socket opened with it belongs to that user. */
async function sessionOf(userId: string): Promise<string> {
  const created = await stack.rest<{ session_id: string }>('/api/sessions/', { user_id: userId });
  expect(created.status).toBe(201);
  return created.body.session_id;
}

/** Opens a socket on `gw` for `session`: resolves 'welcome', or the refusal's close code. */
async function tryConnect(gw: TestGateway, session: string): Promise<{ client: TestSocket; outcome: 'welcome' | number }> {
  const client = await open(`${gw.ws}/ws/chat/?session_id=${session}`);
  const outcome = await Promise.race([client.next(isType('system_message', 'welcome')).then(() => 'welcome' as const), client.closed.then((c) => c.code)]);
  return { client, outcome };
}

async function expectCapRefusal(gw: TestGateway, session: string, cap: number): Promise<void> {
  const { client, outcome } = await tryConnect(gw, session);
  expect(outcome).toBe(1008);
  expect(client.frames.find(isError('RATE_LIMIT_EXCEEDED'))?.data.details).toMatchObject({ field: 'connections', limit: cap });
}

/** Sends a heartbeat every `everyMs` on each client for `ms`; returns how many were answered (let through). */
async function flood(clients: TestSocket[], ms: number, everyMs: number): Promise<{ accepted: number; refused: number; elapsedMs: number }> {
  const started = Date.now();
  let sequence = 0;
  while (Date.now() - started < ms) {
    for (const client of clients) client.send({ type: 'heartbeat', data: { sequence: ++sequence } });
    await sleep(everyMs);
  }
  const elapsedMs = Date.now() - started;
  await sleep(300); // the last answers
  const count = (predicate: (f: TestSocket['frames'][number]) => boolean) => clients.reduce((n, c) => n + c.frames.filter(predicate).length, 0);
  return { accepted: count(isType('heartbeat')), refused: count(isError('RATE_LIMIT_EXCEEDED')), elapsedMs };
}

describe('per-user limits across gateways', () => {
  it('refuses a user’s connections beyond the cap even when they are spread over two gateways, and frees a slot on close', async () => {
    const env = { WS_CONNECTIONS_PER_USER: '2' };
    const [a, b] = [await gateway(env), await gateway(env)];
    const session = await sessionOf('spread-tabs');
    const first = await tryConnect(a, session);
    const second = await tryConnect(b, session);
    expect([first.outcome, second.outcome]).toEqual(['welcome', 'welcome']);
    // Each gateway holds one of the user's connections: only the shared count says the cap is reached.
    await expectCapRefusal(a, session, 2);
    await expectCapRefusal(b, session, 2);

    first.client.close();
    await first.client.closed;
    await sleep(100);
    expect((await tryConnect(b, session)).outcome).toBe('welcome');
  });

  it('enforces a user’s message rate across two gateways, within the documented tolerance', async () => {
    const rate = 5;
    const burst = 4;
    const syncMs = 50;
    const env = { WS_MESSAGE_RATE_PER_SEC: String(rate), WS_MESSAGE_BURST: String(burst), WS_LIMITS_SYNC_MS: String(syncMs), WS_RATE_LIMIT_STRIKES: '100000' };
    const [a, b] = [await gateway(env), await gateway(env)];
    const session = await sessionOf('two-gateway-flood');
    const clients = [(await tryConnect(a, session)).client, (await tryConnect(b, session)).client];

    // 25 frames/s on each gateway for 4 s, against 5/s for the user.
    const { accepted, refused, elapsedMs } = await flood(clients, 4_000, 40);
    const seconds = elapsedMs / 1_000;
    // README: at most burst + rate × t, plus (N − 1) × burst + N × (rate × sync + 1) for N = 2 gateways.
    const tolerance = burst + 2 * (rate * (syncMs / 1_000) + 1);
    expect(accepted).toBeLessThanOrEqual(Math.ceil(burst + rate * seconds + tolerance));
    // Alone, each gateway would let burst + rate × t through: twice the user's rate over 4 s.
    expect(accepted).toBeLessThan(2 * (burst + rate * seconds) - 6);
    // …and it is a limit, not a wall: the user still gets most of the rate.
    expect(accepted).toBeGreaterThanOrEqual(Math.floor(rate * seconds * 0.6));
    expect(refused).toBeGreaterThan(0);
  });

  it('stops counting a crashed gateway’s connections once their TTL has passed', async () => {
    const ttlMs = 2_000;
    const env = { WS_CONNECTIONS_PER_USER: '1', WS_CONNECTION_TTL_MS: String(ttlMs), WS_CONNECTION_REFRESH_MS: '300' };
    crashed = await startServiceProcess('gateway', {
      env: { NATS_URL: serviceUrl('nats'), BUS_SUBJECT_PREFIX: stack.prefix, REDIS_URL: serviceUrl('redis'), REDIS_KEY_PREFIX: stack.prefix, ...env },
    });
    const survivor = await gateway(env);
    const session = await sessionOf('crash-victim');
    const doomed = await open(`${crashed.url.replace('http', 'ws')}/ws/chat/?session_id=${session}`);
    await doomed.next(isType('system_message', 'welcome'));
    // Refreshed past its first TTL: a live gateway's connection keeps counting.
    await sleep(ttlMs + 500);
    await expectCapRefusal(survivor, session, 1);

    const killedAt = Date.now();
    await crashed.stop('SIGKILL');
    // Nobody told Redis: the dead gateway's connection still counts, until its TTL runs out.
    await expectCapRefusal(survivor, session, 1);
    let outcome: 'welcome' | number = 0;
    while (outcome !== 'welcome' && Date.now() - killedAt < ttlMs + 3_000) {
      outcome = (await tryConnect(survivor, session)).outcome;
      if (outcome !== 'welcome') await sleep(200);
    }
    expect(outcome).toBe('welcome');
  });

  it('holds limits per gateway while Redis is unreachable, and shares them again when it returns', async () => {
    proxy = await startTcpProxy(serviceUrl('redis'));
    const env = {
      REDIS_URL: proxy.url,
      WS_CONNECTIONS_PER_USER: '2',
      WS_CONNECTION_REFRESH_MS: '200',
      WS_MESSAGE_RATE_PER_SEC: '1',
      WS_MESSAGE_BURST: '3',
      WS_RATE_LIMIT_STRIKES: '100000',
    };
    const [a, b] = [await gateway(env), await gateway(env)];
    await Promise.all([waitForRedis(a.redis, 5_000), waitForRedis(b.redis, 5_000)]);
    proxy.refuse = true;
    proxy.cut();
    const session = await sessionOf('redis-outage');

    // Never refusing everyone: connections are admitted on this gateway's count…
    const onA = [await tryConnect(a, session), await tryConnect(a, session)];
    expect(onA.map((c) => c.outcome)).toEqual(['welcome', 'welcome']);
    // …never no limits: the cap still holds per gateway,
    await expectCapRefusal(a, session, 2);
    // (B cannot know about A's two: per-gateway is what an outage degrades to)
    const onB = await tryConnect(b, session);
    expect(onB.outcome).toBe('welcome');
    // …and so does the rate: 3 of a burst of 6 pass.
    const flooder = onA[0]!.client;
    for (let i = 0; i < 6; i++) flooder.send({ type: 'heartbeat', data: { sequence: i } });
    await flooder.collect(isError('RATE_LIMIT_EXCEEDED'), 3);
    expect(flooder.frames.filter(isType('heartbeat'))).toHaveLength(3);

    proxy.refuse = false;
    await Promise.all([waitForRedis(a.redis, 10_000), waitForRedis(b.redis, 10_000)]);
    // The next refresh re-adds the three connections admitted during the outage.
    await sleep(600);
    await expectCapRefusal(b, session, 2);
    await expectCapRefusal(a, session, 2);
  });
});
