import { subjects } from '@parley/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let api: TestApi;

beforeAll(async () => {
  t = await migratedDatabase();
  api = await startApi({ databaseUrl: t.url });
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const scrape = async () => (await api.app.inject({ url: '/metrics' })).body;
/** The value of the one sample whose name and labels match. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('api /metrics', () => {
  it('counts HTTP requests by route pattern and status, never by raw URL', async () => {
    await api.app.inject({ url: '/api/rooms/general/' });
    await api.app.inject({ url: '/api/rooms/general/' });
    await api.app.inject({ url: '/api/rooms/no-such-room/' });
    await api.app.inject({ url: '/nowhere/abc' });
    const text = await scrape();
    const count = 'parley_api_http_request_duration_seconds_count';
    expect(sample(text, count, { route: '/api/rooms/:room_id/', status_code: '200', method: 'GET' })).toBe(2);
    expect(sample(text, count, { route: '/api/rooms/:room_id/', status_code: '404' })).toBe(1);
    expect(sample(text, count, { route: 'unmatched', status_code: '404' })).toBe(1);
    expect(text).not.toContain('no-such-room');
    expect(text).not.toContain('/nowhere/abc');
  });

  it('reports the database pool and the append transactions', async () => {
    const session = (await api.app.inject({ method: 'POST', url: '/api/sessions/', payload: { user_id: 'metered' } })).json();
    const request = { room_id: 'general', session_id: session.session_id, user_id: 'metered', client_msg_id: null };
    await Promise.all([1, 2, 3].map((n) => api.peer.request(subjects.api.appendMessage, { ...request, content: `m${n}` }, { timeoutMs: 5_000 })));
    const text = await scrape();
    // The three appends were answered: every committed batch was timed, and batches hold all three.
    const batches = sample(text, 'parley_api_append_commit_seconds_count');
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'parley_api_append_batch_size_count')).toBe(batches);
    expect(sample(text, 'parley_api_append_batch_size_sum')).toBe(3);
    // The pool has opened connections for the work above and holds them idle now.
    expect(sample(text, 'parley_api_db_pool_connections', { state: 'idle' })).toBeGreaterThan(0);
    expect(sample(text, 'parley_api_db_pool_connections', { state: 'in_use' })).toBe(0);
    expect(sample(text, 'parley_api_db_pool_waiting')).toBe(0);
  });
});
