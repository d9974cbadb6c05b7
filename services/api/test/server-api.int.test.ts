import { subjects } from '@parley/bus';
import type { RoomEvent, UserControl } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/server/api-keys.js';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

/**
 * The server API with a real store and bus: publish and broadcast through the append path
 * (seq, idempotency, publish after commit), disconnect and removal on gateway.user.control,
 * presence through presence's endpoints, room and member management; each behind its scope.
 */

let t: MigratedDatabase;
let api: TestApi;
const key: Record<'admin' | 'publish' | 'moderate' | 'read', string> = { admin: '', publish: '', moderate: '', read: '' };

beforeAll(async () => {
  t = await migratedDatabase();
  api = await startApi({ databaseUrl: t.url });
  for (const scope of ['admin', 'publish', 'moderate', 'read'] as const) key[scope] = (await createApiKey(t.db, scope, [scope])).key;
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const call = (as: keyof typeof key, method: Method, url: string, payload?: object, headers: Record<string, string> = {}) =>
  api.app.inject({ method, url, headers: { authorization: `Bearer ${key[as]}`, ...headers }, ...(payload ? { payload } : {}) });

async function tap<T>(topic: Parameters<TestApi['peer']['subscribe']>[0]): Promise<{ heard: T[]; stop(): void }> {
  const heard: T[] = [];
  const sub = api.peer.subscribe(topic, (e) => void heard.push(e as T));
  await sub.ready;
  return { heard, stop: () => sub.unsubscribe() };
}

describe('publish', () => {
  it('stores a bot’s message with the room’s next seq, publishes it once, and answers a retry with the stored copy', async () => {
    const events = await tap<RoomEvent>(subjects.chatRoom('general'));
    const publish = () =>
      call(
        'publish',
        'POST',
        '/api/server/rooms/general/messages/',
        { content: 'Invoice #42 paid', author: { type: 'bot', name: 'billing' } },
        { 'idempotency-key': 'inv-42' },
      );
    const first = await publish();
    expect(first.statusCode).toBe(201);
    const stored = first.json<{ message: { seq: number; user_id: string; client_msg_id: string; message_id: string }; duplicate: boolean }>();
    expect(stored).toMatchObject({ duplicate: false, message: { user_id: 'bot:billing', content: 'Invoice #42 paid', client_msg_id: 'inv-42' } });
    expect(stored.message).not.toHaveProperty('session_id');
    const again = await publish();
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, message: { message_id: stored.message.message_id, seq: stored.message.seq } });

    const next = await call('publish', 'POST', '/api/server/rooms/general/messages/', { content: 'Maintenance at 22:00' });
    expect(next.json()).toMatchObject({ message: { seq: stored.message.seq + 1, user_id: 'system', client_msg_id: null } });
    await expect
      .poll(() => events.heard.map((e) => (e.kind === 'message' ? [e.message.seq, e.message.user_id, e.message.session_id] : null)))
      .toEqual([
        [stored.message.seq, 'bot:billing', null],
        [stored.message.seq + 1, 'system', null],
      ]);
    events.stop();
  });

  it('refuses a missing room (404), a bad Idempotency-Key (400), and a key without publish (403)', async () => {
    expect((await call('publish', 'POST', '/api/server/rooms/nowhere/messages/', { content: 'x' })).json()).toMatchObject({ error_code: 'ROOM_NOT_FOUND' });
    expect((await call('publish', 'POST', '/api/server/rooms/general/messages/', { content: 'x' }, { 'idempotency-key': 'not ok!' })).statusCode).toBe(400);
    expect((await call('read', 'POST', '/api/server/rooms/general/messages/', { content: 'x' })).statusCode).toBe(403);
  });

  it('broadcasts one message to many rooms, reporting a room that refuses without undoing the others', async () => {
    for (const room_id of ['news-a', 'news-b']) expect((await call('admin', 'POST', '/api/server/rooms/', { room_id, name: room_id })).statusCode).toBe(201);
    const body = { room_ids: ['news-a', 'missing', 'news-b'], content: 'Release 2.0 is out', author: { type: 'bot', name: 'news' } };
    const sent = await call('publish', 'POST', '/api/server/broadcast/', body, { 'idempotency-key': 'rel-2' });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({
      results: [
        { room_id: 'news-a', ok: true, duplicate: false, message: { seq: 1, room_id: 'news-a' } },
        { room_id: 'missing', ok: false, error: { error_code: 'ROOM_NOT_FOUND' } },
        { room_id: 'news-b', ok: true, duplicate: false, message: { seq: 1, room_id: 'news-b' } },
      ],
    });
    const retried = await call('publish', 'POST', '/api/server/broadcast/', body, { 'idempotency-key': 'rel-2' });
    expect(retried.json<{ results: { duplicate?: boolean }[] }>().results.map((r) => r.duplicate)).toEqual([true, undefined, true]);
  });
});

describe('rooms and members', () => {
  it('creates a room with an owner, manages members and roles above every role, and keeps the owner', async () => {
    expect((await call('admin', 'POST', '/api/server/rooms/', { room_id: 'team', name: 'Team', owner: 'olga' })).json()).toMatchObject({
      room_id: 'team',
      visibility: 'public',
    });
    expect((await call('admin', 'POST', '/api/server/rooms/', { room_id: 'team', name: 'Team' })).statusCode).toBe(409);
    expect((await call('admin', 'PUT', '/api/server/rooms/team/members/bot:helper/', {})).statusCode).toBe(201);
    expect((await call('admin', 'PUT', '/api/server/rooms/team/members/ivan/', { role: 'member' })).statusCode).toBe(201);
    expect((await call('admin', 'PUT', '/api/server/rooms/team/members/ivan/', { role: 'admin' })).json()).toMatchObject({ role: 'admin' });
    expect((await call('admin', 'PUT', '/api/server/rooms/team/members/olga/', { role: 'member' })).statusCode).toBe(403);
    expect((await call('moderate', 'PUT', '/api/server/rooms/team/members/x/', {})).statusCode).toBe(403);

    const made = await call('admin', 'PATCH', '/api/server/rooms/team/', { visibility: 'private' });
    expect(made.json()).toMatchObject({ visibility: 'private' });
    // A private room: its member bot may post, the system (not a member) may not.
    expect((await call('publish', 'POST', '/api/server/rooms/team/messages/', { content: 'hi', author: { type: 'bot', name: 'helper' } })).statusCode).toBe(
      201,
    );
    expect((await call('publish', 'POST', '/api/server/rooms/team/messages/', { content: 'hi' })).json()).toMatchObject({ error_code: 'PERMISSION_DENIED' });

    const members = await call('read', 'GET', '/api/server/rooms/team/members/');
    expect(members.json<{ members: { user_id: string; role: string }[] }>().members.map((m) => [m.user_id, m.role])).toEqual([
      ['olga', 'owner'],
      ['bot:helper', 'member'],
      ['ivan', 'admin'],
    ]);
  });

  it('removes a user from a room on every gateway (user control), never the owner', async () => {
    const controls = await tap<UserControl>(subjects.userControl);
    expect((await call('moderate', 'DELETE', '/api/server/rooms/team/members/ivan/')).statusCode).toBe(204);
    expect((await call('moderate', 'DELETE', '/api/server/rooms/team/members/olga/')).statusCode).toBe(403);
    await expect.poll(() => controls.heard).toEqual([{ user_id: 'ivan', action: 'remove', room_id: 'team' }]);
    controls.stop();
  });
});

describe('users', () => {
  it('disconnects a user with a reason and whether they may come back', async () => {
    const controls = await tap<UserControl>(subjects.userControl);
    const sent = await call('moderate', 'POST', '/api/server/users/mallory/disconnect/', { reason: 'account suspended' });
    expect(sent.statusCode).toBe(202);
    expect((await call('moderate', 'POST', '/api/server/users/dave/disconnect/', { reconnect: true })).statusCode).toBe(202);
    expect((await call('read', 'POST', '/api/server/users/dave/disconnect/', {})).statusCode).toBe(403);
    await expect
      .poll(() => controls.heard)
      .toEqual([
        { user_id: 'mallory', action: 'disconnect', reason: 'account suspended', reconnect: false },
        { user_id: 'dave', action: 'disconnect', reason: 'disconnected by the server', reconnect: true },
      ]);
    controls.stop();
  });

  it('tells who is online from presence, and 503 when presence does not answer', async () => {
    const user = api.peer.serve(subjects.presence.user, ({ user_id }) => ({ user_id, online: user_id === 'ann', connections: user_id === 'ann' ? 2 : 0 }));
    const room = api.peer.serve(subjects.presence.room, ({ room_id }) => ({ room_id, users: ['ann'], count: 1 }));
    await Promise.all([user.ready, room.ready]);
    expect((await call('read', 'GET', '/api/server/users/ann/presence/')).json()).toEqual({ user_id: 'ann', online: true, connections: 2 });
    expect((await call('read', 'GET', '/api/server/rooms/team/presence/')).json()).toEqual({ room_id: 'team', users: ['ann'], count: 1 });
    expect((await call('read', 'GET', '/api/server/rooms/nowhere/presence/')).statusCode).toBe(404);
    user.unsubscribe();
    await user.closed;
    expect((await call('read', 'GET', '/api/server/users/ann/presence/')).statusCode).toBe(503);
    room.unsubscribe();
  });
});
