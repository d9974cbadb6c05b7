import { createTokenVerifier, signToken } from '@parley/auth';
import { closeRedis, createRedis, waitForRedis, type Redis } from '@parley/redis';
import { createLogger } from '@parley/observability';
import { serviceUrl, uniqueId } from '@parley/testing';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/server/api-keys.js';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

/**
 * API keys: stored hashed, found by their id, scoped, revocable at once, limited per key across
 * instances (Redis), and never a user (the server API reads no JWT or session; the user routes
 * read no key).
 */

const SECRET = 'api-keys-test-secret-of-32-bytes!!!!';
const KEY_MAX = 5;
let t: MigratedDatabase;
let one: TestApi;
let two: TestApi;
const clients: Redis[] = [];

async function instance(prefix: string): Promise<TestApi> {
  const redis = createRedis(serviceUrl('redis'), createLogger({ service: 'test', level: 'silent' }));
  clients.push(redis);
  await waitForRedis(redis, 5_000);
  return startApi({
    databaseUrl: t.url,
    prefix,
    redis,
    verifier: createTokenVerifier({ secret: SECRET }),
    config: { AUTH_REQUIRED: false, REST_RATE_LIMIT_KEY_MAX: KEY_MAX, REST_RATE_LIMIT_WINDOW_MS: 10_000 },
  });
}

beforeAll(async () => {
  t = await migratedDatabase();
  const prefix = uniqueId('keys');
  [one, two] = await Promise.all([instance(prefix), instance(prefix)]);
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  await Promise.all(clients.map(closeRedis));
  await t?.close();
});

const keys = (api: TestApi, headers: Record<string, string>) => api.app.inject({ method: 'GET', url: '/api/server/keys/', headers });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys', () => {
  it('are stored as a hash: the table holds the id, never the key or its secret', async () => {
    const { key, info } = await createApiKey(t.db, 'stored', ['read']);
    expect(key).toMatch(new RegExp(`^pk_${info.key_id}_[A-Za-z0-9_-]{43}$`));
    const row = await t.db.selectFrom('api_keys').selectAll().where('key_id', '=', info.key_id).executeTakeFirstOrThrow();
    const secret = key.slice(`pk_${info.key_id}_`.length);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.secret_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('authenticate by Bearer or X-Api-Key; an admin key lists keys without secrets and records its use', async () => {
    const { key, info } = await createApiKey(t.db, 'ops', ['admin']);
    const listed = await keys(one, bearer(key));
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(key.slice(20));
    const mine = listed.json<{ keys: { key_id: string; name: string; scopes: string[] }[] }>().keys.find((k) => k.key_id === info.key_id);
    expect(mine).toMatchObject({ name: 'ops', scopes: ['admin'] });
    expect((await keys(two, { 'x-api-key': key })).statusCode).toBe(200);
    await expect
      .poll(async () => (await t.db.selectFrom('api_keys').select('last_used_at').where('key_id', '=', info.key_id).executeTakeFirstOrThrow()).last_used_at)
      .not.toBeNull();
  });

  it('answer 401 without a key, with a malformed, unknown or wrong-secret key, and for a user’s JWT or session', async () => {
    const { key } = await createApiKey(t.db, 'probe', ['admin']);
    const wrongSecret = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const unknown = `pk_0123456789abcdef_${'x'.repeat(43)}`;
    const jwt = await signToken(SECRET, { sub: 'alice' }, { expiresIn: 600 });
    const refused: Record<string, string>[] = [
      {},
      bearer('nonsense'),
      bearer(unknown),
      bearer(wrongSecret),
      bearer(jwt),
      { 'x-session-id': crypto.randomUUID() },
    ];
    for (const headers of refused) {
      const response = await keys(one, headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(401);
      expect(response.json()).toMatchObject({ error_code: 'AUTHENTICATION_ERROR' });
    }
  });

  it('answer 403 naming the scope a key lacks', async () => {
    const { key } = await createApiKey(t.db, 'publisher', ['publish', 'read']);
    const response = await keys(one, bearer(key));
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error_code: 'PERMISSION_DENIED', details: { required_scope: 'admin' } });
  });

  it('are never a user: a key on a user route is refused as a token, not taken as a caller', async () => {
    const { key } = await createApiKey(t.db, 'not-a-user', ['admin']);
    const asBearer = await one.app.inject({ method: 'POST', url: '/api/rooms/', headers: bearer(key), payload: { room_id: 'by-key', name: 'By key' } });
    expect(asBearer.statusCode).toBe(401);
    expect(asBearer.json()).toMatchObject({ error_code: 'AUTHENTICATION_ERROR', error_message: 'Invalid or expired token' });
    expect(await t.db.selectFrom('rooms').select('room_id').where('room_id', '=', 'by-key').executeTakeFirst()).toBeUndefined();
  });

  it('are refused at once on every instance when revoked', async () => {
    const { key, info } = await createApiKey(t.db, 'leaver', ['admin']);
    expect((await keys(one, bearer(key))).statusCode).toBe(200);
    await t.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('key_id', '=', info.key_id).execute();
    for (const api of [one, two]) {
      const response = await keys(api, bearer(key));
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error_message: 'Invalid or revoked API key' });
    }
  });

  it('are rate-limited per key across instances, each key on its own count', async () => {
    const { key } = await createApiKey(t.db, 'busy', ['admin']);
    const { key: other } = await createApiKey(t.db, 'calm', ['admin']);
    for (let i = 0; i < KEY_MAX; i++) expect((await keys(i % 2 ? one : two, bearer(key))).statusCode).toBe(200);
    const refused = await keys(one, bearer(key));
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error_code: 'RATE_LIMIT_EXCEEDED', details: { retry_after_ms: expect.any(Number) } });
    expect((await keys(two, bearer(key))).statusCode).toBe(429);
    expect((await keys(two, bearer(other))).statusCode).toBe(200);
  });
});

// Each step is a process of its own, as a person runs it: what the root's `npm run apikey` runs,
// without npm in front (test-e2e/readme-samples.test.ts runs the npm script as the README gives it).
// Four cold tsx starts take 20 s on a loaded 2-core machine, hence the longer timeout.
describe('npm run apikey', { timeout: 90_000 }, () => {
  const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--conditions=@parley/source', '--import', 'tsx', 'services/api/src/apikey.ts', ...args],
        { cwd: ROOT, env: { ...process.env, DATABASE_URL: t.url } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('creates a key (printed once, working at once), lists it without its secret, and revokes it', async () => {
    const created = await cli('create', '--name', 'billing', '--scopes', 'publish,admin');
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    const [, keyId] = /^pk_([0-9a-f]{16})_/.exec(key)!;
    expect((await keys(one, bearer(key))).statusCode).toBe(200);

    const listed = await cli('list');
    expect(listed.stdout).toMatch(new RegExp(`^${keyId}  billing  publish,admin  created \\S+  last used `, 'm'));
    expect(listed.stdout).not.toContain(key.slice(20));

    expect((await cli('revoke', keyId!)).stdout).toContain(`revoked ${keyId}`);
    expect((await keys(one, bearer(key))).statusCode).toBe(401);
    expect((await cli('list')).stdout).toMatch(new RegExp(`^${keyId} .* revoked `, 'm'));
  });

  it('refuses an unknown scope and an unknown key id with usage', async () => {
    const bad = await cli('create', '--name', 'x', '--scopes', 'publish,root');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--scopes');
    expect((await cli('revoke', 'ffffffffffffffff')).stderr).toContain('no key ffffffffffffffff');
  });
});
