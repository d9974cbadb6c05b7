import { createTokenVerifier, signToken } from '@parley/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
let t: MigratedDatabase;
let api: TestApi;

beforeAll(async () => {
  t = await migratedDatabase();
  api = await startApi({ databaseUrl: t.url, verifier: createTokenVerifier({ secret: SECRET }) });
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const bearer = async (sub: string, secret = SECRET) => ({ authorization: `Bearer ${await signToken(secret, { sub }, { expiresIn: 300 })}` });
const create = (user_id: string, headers: Record<string, string> = {}) =>
  api.app.inject({ method: 'POST', url: '/api/sessions/', headers, payload: { user_id } });

describe('AUTH_REQUIRED=true', () => {
  it('creates a session only with a Bearer JWT whose sub is the user', async () => {
    const ok = await create('alice', await bearer('alice'));
    expect(ok.statusCode).toBe(201);

    const none = await create('alice');
    expect([none.statusCode, none.json().error_code]).toEqual([401, 'AUTHENTICATION_ERROR']);
    const forged = await create('alice', await bearer('alice', 'another-secret-that-is-32-bytes-long!!'));
    expect([forged.statusCode, forged.json().error_code]).toEqual([401, 'AUTHENTICATION_ERROR']);
    const garbage = await create('alice', { authorization: 'Bearer not.a.jwt' });
    expect(garbage.statusCode).toBe(401);
    const someoneElse = await create('alice', await bearer('mallory'));
    expect([someoneElse.statusCode, someoneElse.json().error_code]).toEqual([403, 'PERMISSION_DENIED']);
  });

  it('takes no token or session for the server API’s authors (system, bot:<name>): they write only with a key', async () => {
    for (const reserved of ['system', 'bot:billing']) {
      const asToken = await create('alice', await bearer(reserved));
      expect([asToken.statusCode, asToken.json().error_code], reserved).toEqual([401, 'AUTHENTICATION_ERROR']);
      const asBody = await create(reserved, await bearer(reserved));
      expect(asBody.statusCode, reserved).toBe(401);
    }
    const open = await startApi({ databaseUrl: t.url });
    try {
      const asBody = await open.app.inject({ method: 'POST', url: '/api/sessions/', payload: { user_id: 'system' } });
      expect([asBody.statusCode, asBody.json().error_code]).toEqual([400, 'VALIDATION_ERROR']);
      expect((await open.app.inject({ method: 'POST', url: '/api/sessions/', payload: { user_id: 'systems' } })).statusCode).toBe(201);
    } finally {
      await open.close();
    }
  });

  it('shows and closes a session only for its own user', async () => {
    const { session_id } = (await create('bob', await bearer('bob'))).json();
    expect((await api.app.inject({ url: `/api/sessions/${session_id}/`, headers: await bearer('bob') })).statusCode).toBe(200);
    expect((await api.app.inject({ url: `/api/sessions/${session_id}/` })).statusCode).toBe(401);
    expect((await api.app.inject({ url: `/api/sessions/${session_id}/`, headers: await bearer('eve') })).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'DELETE', url: `/api/sessions/${session_id}/`, headers: await bearer('eve') })).statusCode).toBe(403);
  });
});
