import { subjects } from '@parley/bus';
import { ListRoomsResponseSchema, type SessionControl } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let api: TestApi;

beforeAll(async () => {
  t = await migratedDatabase();
  api = await startApi({ databaseUrl: t.url });
  // 12 rooms besides `general`: 6 in category "games".
  for (let i = 0; i < 12; i++) {
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/rooms/',
      payload: { room_id: `room-${String(i).padStart(2, '0')}`, name: `Room ${i}`, category: i % 2 ? 'games' : 'general' },
    });
    expect(res.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const list = (query = '') => api.app.inject({ url: `/api/rooms/${query}` });
const session = async (user_id = 'member') =>
  (await api.app.inject({ method: 'POST', url: '/api/sessions/', payload: { user_id } })).json().session_id as string;

describe('GET /api/rooms/', () => {
  it('lists the seed’s general room after the first migration, in the seed’s shape', async () => {
    const body = ListRoomsResponseSchema.parse((await list()).json());
    expect(body.rooms.find((r) => r.room_id === 'general')).toMatchObject({
      name: 'General Discussion',
      description: 'General chat room for all users',
      category: 'general',
      active_users: 0,
    });
    expect(body.pagination).toEqual({ total: 13, limit: 50, offset: 0, has_next: false });
  });

  it('pages with limit and offset, has_next false exactly on the last page', async () => {
    const first = (await list('?limit=5')).json();
    expect(first.rooms).toHaveLength(5);
    expect(first.pagination).toEqual({ total: 13, limit: 5, offset: 0, has_next: true });
    const last = (await list('?limit=5&offset=10')).json();
    expect(last.rooms).toHaveLength(3);
    expect(last.pagination.has_next).toBe(false);
    const exact = (await list('?limit=5&offset=8')).json();
    expect(exact.rooms).toHaveLength(5);
    expect(exact.pagination.has_next).toBe(false);
    const beyond = (await list('?offset=100')).json();
    expect(beyond).toMatchObject({ rooms: [], pagination: { total: 13, has_next: false } });
    const ids = [...first.rooms, ...(await list('?limit=5&offset=5')).json().rooms, ...last.rooms].map((r: { room_id: string }) => r.room_id);
    expect(new Set(ids).size).toBe(13);
  });

  it('clamps a huge limit to 100 and rejects zero, negative and non-numeric ones', async () => {
    expect((await list('?limit=100000')).json().pagination.limit).toBe(100);
    for (const bad of ['0', '-1', 'abc', '1.5']) {
      const res = await list(`?limit=${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json()).toMatchObject({ error_code: 'VALIDATION_ERROR', details: { field: 'querystring.limit' } });
    }
    expect((await list('?offset=-1')).statusCode).toBe(400);
  });

  it('filters by category', async () => {
    const body = (await list('?category=games')).json();
    expect(body.pagination.total).toBe(6);
    expect(body.rooms.every((r: { category: string }) => r.category === 'games')).toBe(true);
  });

  it('fills active_users from presence over NATS', async () => {
    const presence = api.peer.serve(subjects.presence.counts, ({ room_ids }) => ({
      counts: Object.fromEntries(room_ids.map((id) => [id, id === 'general' ? 25 : 1])),
    }));
    await presence.ready;
    const body = (await list()).json();
    expect(body.rooms.find((r: { room_id: string }) => r.room_id === 'general').active_users).toBe(25);
    presence.unsubscribe();
    await presence.closed;
  });

  it('still answers, with 0s, when presence is down', async () => {
    const res = await list();
    expect(res.statusCode).toBe(200);
    expect(res.json().rooms.every((r: { active_users: number }) => r.active_users === 0)).toBe(true);
    const metrics = await api.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/^parley_api_presence_unavailable_total\{[^}]*\} [1-9]/m);
  });
});

describe('rooms by id', () => {
  it('creates, reads and refuses a duplicate room', async () => {
    const created = await api.app.inject({ method: 'POST', url: '/api/rooms/', payload: { room_id: 'lobby', name: ' Lobby ' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ room_id: 'lobby', name: 'Lobby', description: '', category: 'general' });
    expect((await api.app.inject({ url: '/api/rooms/lobby/' })).json()).toMatchObject({ room_id: 'lobby' });
    const again = await api.app.inject({ method: 'POST', url: '/api/rooms/', payload: { room_id: 'lobby', name: 'x' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error_code: 'CONFLICT' });
  });

  it.each(['Lobby', 'a.b', 'a*', 'a>', 'x'.repeat(65)])('answers 400 for the malformed room id %s', async (id) => {
    const res = await api.app.inject({ url: `/api/rooms/${encodeURIComponent(id)}/` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'VALIDATION_ERROR', details: { field: 'params.room_id' } });
  });

  it('answers ROOM_NOT_FOUND for an unknown room', async () => {
    const res = await api.app.inject({ url: '/api/rooms/nowhere/' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error_code: 'ROOM_NOT_FOUND' });
  });
});

describe('POST /api/rooms/{room_id}/join/ and leave/', () => {
  it('joins in the seed’s shape, idempotently, and tells the gateways', async () => {
    const session_id = await session();
    const heard: SessionControl[] = [];
    const tap = api.peer.subscribe(subjects.sessionControl, (c) => void heard.push(c));
    await tap.ready;
    const res = await api.app.inject({ method: 'POST', url: '/api/rooms/general/join/', payload: { session_id } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['active_users', 'joined_at', 'room_id', 'session_id']);
    // Presence is not running here: the joiner is the one user known to be in the room.
    expect(body).toMatchObject({ room_id: 'general', session_id, active_users: 1 });
    const again = (await api.app.inject({ method: 'POST', url: '/api/rooms/general/join/', payload: { session_id } })).json();
    expect(again.joined_at).toBe(body.joined_at);
    await expect.poll(() => heard.length).toBe(2);
    expect(heard[0]).toEqual({ session_id, action: 'join', room_id: 'general' });

    const left = await api.app.inject({ method: 'POST', url: '/api/rooms/general/leave/', payload: { session_id } });
    expect(left.statusCode).toBe(200);
    await expect.poll(() => heard.at(-1)).toEqual({ session_id, action: 'leave', room_id: 'general' });
    const members = await api.db.selectFrom('memberships').selectAll().where('session_id', '=', session_id).execute();
    expect(members).toEqual([]);
    tap.unsubscribe();
  });

  it('counts the joiner in active_users, as the seed does (25 online → 26), and only once', async () => {
    const online = Array.from({ length: 25 }, (_, i) => `online-${String(i).padStart(2, '0')}`);
    const presence = api.peer.serve(subjects.presence.room, ({ room_id }) => ({ room_id, users: online, count: online.length }));
    await presence.ready;
    const join = async (user: string) =>
      (await api.app.inject({ method: 'POST', url: '/api/rooms/general/join/', payload: { session_id: await session(user) } })).json();
    expect((await join('newcomer')).active_users).toBe(26);
    // A joiner whose socket presence already saw in the room is not counted twice.
    expect((await join('online-03')).active_users).toBe(25);
    presence.unsubscribe();
    await presence.closed;
  });

  it('answers ROOM_NOT_FOUND, SESSION and validation errors', async () => {
    const session_id = await session();
    const noRoom = await api.app.inject({ method: 'POST', url: '/api/rooms/nowhere/join/', payload: { session_id } });
    expect([noRoom.statusCode, noRoom.json().error_code]).toEqual([404, 'ROOM_NOT_FOUND']);
    const noSession = await api.app.inject({
      method: 'POST',
      url: '/api/rooms/general/join/',
      payload: { session_id: '550e8400-e29b-41d4-a716-446655440000' },
    });
    expect([noSession.statusCode, noSession.json().error_code]).toEqual([401, 'AUTHENTICATION_ERROR']);
    const bad = await api.app.inject({ method: 'POST', url: '/api/rooms/general/join/', payload: { session_id: 'nope' } });
    expect(bad.json()).toMatchObject({ error_code: 'VALIDATION_ERROR', details: { field: 'body.session_id' } });
  });
});
