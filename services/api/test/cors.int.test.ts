import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let api: TestApi;
const VITE = 'http://localhost:5173';

beforeAll(async () => {
  t = await migratedDatabase();
  // CORS_ORIGINS unset: REST follows the gateway's WebSocket allow-list.
  api = await startApi({ databaseUrl: t.url, config: { WS_ALLOWED_ORIGINS: ['http://127.0.0.1:8080', VITE] } });
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const preflight = (origin: string, method = 'POST') =>
  api.app.inject({
    method: 'OPTIONS',
    url: '/api/rooms/',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,authorization,x-session-id' },
  });

describe('CORS', () => {
  it('answers the preflight of an allowed origin', async () => {
    const res = await preflight(VITE);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(VITE);
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('x-session-id');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('marks actual responses for an allowed origin', async () => {
    const res = await api.app.inject({ url: '/api/rooms/', headers: { origin: VITE } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(VITE);
    expect(String(res.headers['vary'])).toContain('Origin');
  });

  it('gives any other origin no allowance', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:5174', 'http://localhost:5173.evil.example']) {
      const pre = await preflight(origin);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const res = await api.app.inject({ url: '/api/rooms/', headers: { origin } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});
