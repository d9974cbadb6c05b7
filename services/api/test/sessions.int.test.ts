import { subjects } from '@parley/bus';
import { CreateSessionResponseSchema, SessionResponseSchema, type SessionControl } from '@parley/protocol';
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

const create = (body: unknown) => api.app.inject({ method: 'POST', url: '/api/sessions/', payload: body as object });

describe('POST /api/sessions/', () => {
  it('creates a session in the seed’s exact shape', async () => {
    const res = await create({ user_id: 'user123', preferences: { theme: 'dark', notifications: true, auto_reconnect: true } });
    expect(res.statusCode).toBe(201);
    const body = CreateSessionResponseSchema.strict().parse(res.json());
    expect(body.user_id).toBe('user123');
    expect(body.websocket_url).toBe(`ws://127.0.0.1:8080/ws/chat/?session_id=${body.session_id}`);
    const ttl = Date.parse(body.expires_at) - Date.parse(body.created_at);
    expect(ttl).toBe(3_600_000);
  });

  it.each([
    [{}, 'body.user_id'],
    [{ user_id: '' }, 'body.user_id'],
    [{ user_id: 'u', preferences: 'dark' }, 'body.preferences'],
    [{ user_id: 'x'.repeat(129) }, 'body.user_id'],
  ])('rejects %j with VALIDATION_ERROR naming %s', async (body, field) => {
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'VALIDATION_ERROR', details: { field } });
  });

  it('answers malformed JSON and oversized bodies with a JSON error, never a 500', async () => {
    const bad = await api.app.inject({ method: 'POST', url: '/api/sessions/', headers: { 'content-type': 'application/json' }, payload: '{"user_id":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error_code: 'VALIDATION_ERROR' });
    const huge = await create({ user_id: 'u', preferences: { note: 'x'.repeat(70_000) } });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ error_code: 'VALIDATION_ERROR' });
  });
});

describe('GET /api/sessions/{session_id}/', () => {
  it('returns status, preferences and real statistics', async () => {
    const { session_id } = (await create({ user_id: 'stats-user', preferences: { theme: 'light' } })).json();
    await api.db.updateTable('sessions').set({ messages_received: 7, connection_seconds: 42.9 }).where('session_id', '=', session_id).execute();
    // Messages sent are the session's stored messages.
    await api.db
      .insertInto('messages')
      .values([1, 2, 3].map((seq) => ({ room_id: 'general', seq: 1_000 + seq, session_id, user_id: 'stats-user', content: `m${seq}`, client_msg_id: null })))
      .execute();
    const res = await api.app.inject({ url: `/api/sessions/${session_id}/` });
    expect(res.statusCode).toBe(200);
    const body = SessionResponseSchema.strict().parse(res.json());
    expect(body).toMatchObject({
      session_id,
      user_id: 'stats-user',
      status: 'active',
      preferences: { theme: 'light' },
      statistics: { messages_sent: 3, messages_received: 7, connection_time_seconds: 42 },
    });
  });

  it('reports an expired session as expired', async () => {
    const { session_id } = (await create({ user_id: 'old' })).json();
    await api.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('session_id', '=', session_id)
      .execute();
    expect((await api.app.inject({ url: `/api/sessions/${session_id}/` })).json()).toMatchObject({ status: 'expired' });
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    const bad = await api.app.inject({ url: '/api/sessions/not-a-uuid/' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error_code: 'VALIDATION_ERROR', details: { field: 'params.session_id' } });
    const unknown = await api.app.inject({ url: '/api/sessions/550e8400-e29b-41d4-a716-446655440000/' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error_code: 'SESSION_NOT_FOUND' });
  });

  it('serves the path with and without the trailing slash', async () => {
    const { session_id } = (await create({ user_id: 'slash' })).json();
    expect((await api.app.inject({ url: `/api/sessions/${session_id}` })).statusCode).toBe(200);
  });
});

describe('DELETE /api/sessions/{session_id}/', () => {
  it('closes the session and tells every gateway to close its sockets', async () => {
    const { session_id } = (await create({ user_id: 'leaving' })).json();
    const heard: SessionControl[] = [];
    const tap = api.peer.subscribe(subjects.sessionControl, (c) => void heard.push(c));
    await tap.ready;
    const res = await api.app.inject({ method: 'DELETE', url: `/api/sessions/${session_id}/` });
    expect(res.statusCode).toBe(204);
    await expect.poll(() => heard).toEqual([{ session_id, action: 'close' }]);
    expect((await api.app.inject({ url: `/api/sessions/${session_id}/` })).json()).toMatchObject({ status: 'closed' });
    // Closing twice is not an error and does not signal again.
    expect((await api.app.inject({ method: 'DELETE', url: `/api/sessions/${session_id}/` })).statusCode).toBe(204);
    tap.unsubscribe();
  });
});
