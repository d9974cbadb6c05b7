import { BusRequestError, subjects } from '@parley/bus';
import type { RoomEvent } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let a: TestApi;
let b: TestApi;
const timeout = { timeoutMs: 5_000 };

beforeAll(async () => {
  t = await migratedDatabase();
  a = await startApi({ databaseUrl: t.url });
  // A second instance of the same deployment (same subject prefix): they share the work.
  b = await startApi({ databaseUrl: t.url, prefix: a.prefix });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await t?.close();
});

const remoteCode = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BusRequestError);
  return (error as BusRequestError).remote?.error_code;
};

describe('api.session.resolve', () => {
  it('creates a guest session, a session for a verified user, and resumes an existing one', async () => {
    const guest = await a.peer.request(subjects.api.resolveSession, { mode: 'guest' }, timeout);
    expect(guest).toMatchObject({ status: 'active', rooms: [] });
    expect(guest.user_id).toMatch(/^guest-[0-9a-f]{12}$/);

    const user = await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'alice' }, timeout);
    expect(user.user_id).toBe('alice');
    await a.peer.request(subjects.api.roomAccess, { room_id: 'general', session_id: user.session_id }, timeout);
    await a.app.inject({ method: 'POST', url: '/api/rooms/general/join/', payload: { session_id: user.session_id } });
    const resumed = await a.peer.request(subjects.api.resolveSession, { mode: 'session', session_id: user.session_id }, timeout);
    expect(resumed).toMatchObject({ session_id: user.session_id, user_id: 'alice', rooms: ['general'] });
    const owned = await a.peer.request(subjects.api.resolveSession, { mode: 'session', session_id: user.session_id, user_id: 'alice' }, timeout);
    expect(owned.session_id).toBe(user.session_id);
  });

  it('refuses an unknown, closed or someone else’s session with AUTHENTICATION_ERROR', async () => {
    const unknown = a.peer.request(subjects.api.resolveSession, { mode: 'session', session_id: '550e8400-e29b-41d4-a716-446655440000' }, timeout);
    expect(await remoteCode(unknown)).toBe('AUTHENTICATION_ERROR');
    const bob = await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'bob' }, timeout);
    const stolen = a.peer.request(subjects.api.resolveSession, { mode: 'session', session_id: bob.session_id, user_id: 'mallory' }, timeout);
    expect(await remoteCode(stolen)).toBe('AUTHENTICATION_ERROR');
    await a.app.inject({ method: 'DELETE', url: `/api/sessions/${bob.session_id}/` });
    const closed = a.peer.request(subjects.api.resolveSession, { mode: 'session', session_id: bob.session_id }, timeout);
    expect(await remoteCode(closed)).toBe('AUTHENTICATION_ERROR');
  });
});

describe('api.room.access', () => {
  it('answers with the room’s last seq, and ROOM_NOT_FOUND for an unknown room', async () => {
    const s = await a.peer.request(subjects.api.resolveSession, { mode: 'guest' }, timeout);
    const reply = await a.peer.request(subjects.api.roomAccess, { room_id: 'general', session_id: s.session_id }, timeout);
    expect(reply).toMatchObject({ room_id: 'general', allowed: true });
    expect(reply.last_seq).toBeGreaterThanOrEqual(0);
    expect(await remoteCode(a.peer.request(subjects.api.roomAccess, { room_id: 'nowhere', session_id: s.session_id }, timeout))).toBe('ROOM_NOT_FOUND');
  });
});

describe('api.message.append', () => {
  it('replies after the commit, publishes the stored message on the room subject, and de-duplicates retries', async () => {
    const s = await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'carol' }, timeout);
    const events: RoomEvent[] = [];
    const room = a.peer.subscribe(subjects.chatRoom('general'), (e) => void events.push(e));
    await room.ready;
    const request = { room_id: 'general', session_id: s.session_id, user_id: 'carol', content: 'Hello, world!', client_msg_id: 'c-1' };
    const first = await a.peer.request(subjects.api.appendMessage, request, timeout);
    const row = await t.db.selectFrom('messages').selectAll().where('message_id', '=', first.message.message_id).executeTakeFirst();
    expect(row?.content).toBe('Hello, world!');
    const retry = await a.peer.request(subjects.api.appendMessage, request, timeout);
    expect(retry).toEqual({ message: first.message, duplicate: true });
    await expect.poll(() => events).toEqual([{ kind: 'message', message: first.message }]);
    room.unsubscribe();
  });

  it('refuses a message whose user is not the session’s', async () => {
    const s = await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'dan' }, timeout);
    const forged = { room_id: 'general', session_id: s.session_id, user_id: 'eve', content: 'hi', client_msg_id: null };
    expect(await remoteCode(a.peer.request(subjects.api.appendMessage, forged, timeout))).toBe('AUTHENTICATION_ERROR');
  });

  it('shares appends between two instances, with gap-free seqs and each answered once', async () => {
    await a.app.inject({ method: 'POST', url: '/api/rooms/', payload: { room_id: 'shared', name: 'Shared' } });
    const s = await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'frank' }, timeout);
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        a.peer.request(
          subjects.api.appendMessage,
          { room_id: 'shared', session_id: s.session_id, user_id: 'frank', content: `m${i}`, client_msg_id: `k${i}` },
          timeout,
        ),
      ),
    );
    expect(replies.map((r) => r.message.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const stored = async (api: TestApi) =>
      Number((await api.app.inject({ url: '/metrics' })).body.match(/^parley_api_messages_stored_total\{[^}]*\} (\d+)/m)?.[1] ?? 0);
    const [byA, byB] = [await stored(a), await stored(b)];
    expect(byA + byB).toBeGreaterThanOrEqual(60);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
  });
});

describe('api.stats.report', () => {
  it('adds a gateway’s batched counters to the session once, even with two instances listening', async () => {
    const s = await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'gina' }, timeout);
    const at = new Date().toISOString();
    for (let i = 0; i < 3; i++) {
      a.peer.publish(subjects.api.statsReport, {
        gateway_id: 'gw-1',
        sessions: [{ session_id: s.session_id, messages_received: 10, connection_seconds: 1.5, last_activity: at }],
      });
    }
    await expect
      .poll(async () => (await a.app.inject({ url: `/api/sessions/${s.session_id}/` })).json().statistics)
      .toEqual({ messages_sent: 0, messages_received: 30, connection_time_seconds: 4 });
  });
});

describe('health probe', () => {
  it('answers the stack-wide probe from every instance with database and nats', async () => {
    const replies = await a.peer.gather(subjects.healthProbe, {}, { maxWaitMs: 300 });
    const healthy = replies.filter((r) => r.ok).map((r) => (r.ok ? r.data : undefined));
    expect(healthy).toHaveLength(2);
    for (const h of healthy) expect(h).toMatchObject({ service: 'api', status: 'healthy', components: { database: 'healthy', nats: 'healthy' } });
    const ready = await a.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
  });
});
