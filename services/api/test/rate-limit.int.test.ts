import { createTokenVerifier, signToken } from '@parley/auth';
import { closeRedis, createRedis, waitForRedis, type Redis } from '@parley/redis';
import { createLogger } from '@parley/observability';
import { serviceUrl, startTcpProxy, uniqueId, type TcpProxy } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

/**
 * REST rate limits: counted in Redis across api instances, keyed by the verified token's `sub`
 * or else the client address (X-Forwarded-For only from a trusted proxy), answered with 429,
 * Retry-After and the seed's error body; probes and docs never limited; a Redis outage falls
 * back to per-instance counting.
 */

const SECRET = 'rate-limit-test-secret-of-32-bytes!!';
const IP_MAX = 4;
const USER_MAX = 6;
const limits = { TRUSTED_PROXIES: ['127.0.0.1'], REST_RATE_LIMIT_WINDOW_MS: 10_000, REST_RATE_LIMIT_IP_MAX: IP_MAX, REST_RATE_LIMIT_USER_MAX: USER_MAX };
const logger = createLogger({ service: 'test', level: 'silent' });
let t: MigratedDatabase;
const apis: TestApi[] = [];
const clients: Redis[] = [];
let proxy: TcpProxy | undefined;

async function instance(redisUrl: string, prefix: string): Promise<TestApi> {
  const redis = createRedis(redisUrl, logger);
  clients.push(redis);
  await waitForRedis(redis, 5_000);
  const api = await startApi({
    databaseUrl: t.url,
    prefix,
    redis,
    verifier: createTokenVerifier({ secret: SECRET }),
    config: { AUTH_REQUIRED: false, ...limits },
  });
  apis.push(api);
  return api;
}

beforeAll(async () => {
  t = await migratedDatabase();
});
afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
  await Promise.all(clients.map(closeRedis));
  await proxy?.close();
  await t?.close();
});

const urlOf = (api: TestApi) => {
  const { port } = api.app.server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
};
const get = (api: TestApi, path: string, headers: Record<string, string> = {}) => fetch(`${urlOf(api)}${path}`, { headers });
const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });

describe('REST rate limits', () => {
  let one: TestApi;
  let two: TestApi;
  beforeAll(async () => {
    const prefix = uniqueId('rest');
    [one, two] = await Promise.all([instance(serviceUrl('redis'), prefix), instance(serviceUrl('redis'), prefix)]);
  });

  it('answers 429 with Retry-After and the seed body once a client address spends its limit across two instances', async () => {
    const client = from('203.0.113.10');
    for (let i = 0; i < IP_MAX; i++) expect((await get(i % 2 === 0 ? one : two, '/api/rooms/', client)).status).toBe(200);
    for (const api of [one, two]) {
      const refused = await get(api, '/api/rooms/', client);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await refused.json()) as { error_code: string; error_message: string; details: { retry_after_ms: number } };
      expect(body).toMatchObject({ error_code: 'RATE_LIMIT_EXCEEDED', error_message: expect.any(String) });
      expect(body.details.retry_after_ms).toBeGreaterThan(0);
      expect(body.details.retry_after_ms).toBeLessThanOrEqual(10_000);
    }
    // Another client (behind the trusted proxy) has its own count.
    expect((await get(one, '/api/rooms/', from('203.0.113.11'))).status).toBe(200);
  });

  it('never limits the probes, the metrics or the docs', async () => {
    const client = from('203.0.113.20');
    for (let i = 0; i <= IP_MAX; i++) await get(one, '/api/rooms/', client);
    expect((await get(one, '/api/rooms/', client)).status).toBe(429);
    for (const path of ['/livez', '/readyz', '/metrics', '/docs/json']) {
      for (let i = 0; i <= IP_MAX; i++) expect((await get(one, path, client)).status, path).toBe(200);
    }
    expect(await (await get(one, '/metrics')).text()).toMatch(/parley_api_rate_limited_total\{by="ip"[^}]*\} [1-9]/);
  });

  it('keys a request with a valid Bearer token by its sub, apart from its address', async () => {
    const address = '203.0.113.30';
    const alice = { authorization: `Bearer ${await signToken(SECRET, { sub: 'rl-alice' }, { expiresIn: 300 })}` };
    const bob = { authorization: `Bearer ${await signToken(SECRET, { sub: 'rl-bob' }, { expiresIn: 300 })}` };
    for (let i = 0; i < USER_MAX; i++) expect((await get(i % 2 === 0 ? one : two, '/api/rooms/', from(address, alice))).status).toBe(200);
    expect((await get(two, '/api/rooms/', from(address, alice))).status).toBe(429);
    // Same address, another user: a count of their own; and the address itself was not spent.
    expect((await get(one, '/api/rooms/', from(address, bob))).status).toBe(200);
    expect((await get(one, '/api/rooms/', from(address))).status).toBe(200);
    // An invalid token counts against the address, not against a user.
    const forged = { authorization: 'Bearer not.a.token' };
    for (let i = 0; i < IP_MAX; i++) await get(one, '/api/rooms/', from('203.0.113.31', forged));
    expect((await get(one, '/api/rooms/', from('203.0.113.31', forged))).status).toBe(429);
  });

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    const untrusted = await startApi({ databaseUrl: t.url, config: { AUTH_REQUIRED: false, ...limits, TRUSTED_PROXIES: [] } });
    apis.push(untrusted);
    for (let i = 0; i < IP_MAX; i++) expect((await get(untrusted, '/api/rooms/', from(`198.51.100.${i}`))).status).toBe(200);
    // Every request came from 127.0.0.1, whatever it claimed.
    expect((await get(untrusted, '/api/rooms/', from('198.51.100.99'))).status).toBe(429);
  });
});

describe('REST rate limits without Redis', () => {
  it('keep answering, and keep limiting per instance, while Redis is unreachable', async () => {
    proxy = await startTcpProxy(serviceUrl('redis'));
    const api = await instance(proxy.url, uniqueId('rest'));
    proxy.refuse = true;
    proxy.cut();
    const client = from('203.0.113.40');
    for (let i = 0; i < IP_MAX; i++) expect((await get(api, '/api/rooms/', client)).status).toBe(200);
    expect((await get(api, '/api/rooms/', client)).status).toBe(429);
    expect((await get(api, '/api/rooms/', from('203.0.113.41'))).status).toBe(200);
  });
});
