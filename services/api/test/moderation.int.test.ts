import { BusRequestError, subjects } from '@parley/bus';
import type { ErrorData, UserControl } from '@parley/protocol';
import { uniqueId } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/server/api-keys.js';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

/**
 * Moderation on the append path of two api instances sharing one database and one queue group
 * (so a sender's messages land on either): mutes, bans and slow mode hold whichever instance
 * judges; owners and admins moderate over REST, keys with `moderate` over the server API, and
 * every action is in the audit log.
 */

let t: MigratedDatabase;
let one: TestApi;
let two: TestApi;
let key: string;
let reader: string;

beforeAll(async () => {
  t = await migratedDatabase();
  const prefix = uniqueId('moderation');
  [one, two] = await Promise.all([startApi({ databaseUrl: t.url, prefix }), startApi({ databaseUrl: t.url, prefix })]);
  key = (await createApiKey(t.db, 'mod', ['moderate'])).key;
  reader = (await createApiKey(t.db, 'audit', ['read'])).key;
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  await t?.close();
});

interface User {
  user_id: string;
  session_id: string;
  headers: Record<string, string>;
}
async function user(user_id: string): Promise<User> {
  const res = await one.app.inject({ method: 'POST', url: '/api/sessions/', payload: { user_id } });
  const session_id = res.json<{ session_id: string }>().session_id;
  return { user_id, session_id, headers: { 'x-session-id': session_id } };
}

/** A socket's append, as a gateway sends it: answered by either instance. */
async function send(
  from: User,
  room_id: string,
  content: string,
  client_msg_id: string | null = null,
): Promise<{ seq: number; duplicate: boolean } | ErrorData> {
  try {
    const reply = await one.peer.request(
      subjects.api.appendMessage,
      { room_id, session_id: from.session_id, user_id: from.user_id, content, client_msg_id },
      { timeoutMs: 5_000 },
    );
    return { seq: reply.message.seq, duplicate: reply.duplicate };
  } catch (error) {
    if (error instanceof BusRequestError && error.remote) return error.remote as ErrorData;
    throw error;
  }
}

const server = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, as = key) =>
  (method === 'PUT' ? two : one).app.inject({ method, url, headers: { authorization: `Bearer ${as}` }, ...(payload ? { payload } : {}) });

let owner: User;
let admin: User;
let bob: User;

beforeAll(async () => {
  [owner, admin, bob] = await Promise.all([user('m-owner'), user('m-admin'), user('m-bob')]);
  expect(
    (await one.app.inject({ method: 'POST', url: '/api/rooms/', headers: owner.headers, payload: { room_id: 'modroom', name: 'Moderated' } })).statusCode,
  ).toBe(201);
  const added = await one.app.inject({
    method: 'POST',
    url: '/api/rooms/modroom/members/',
    headers: owner.headers,
    payload: { user_id: 'm-admin', role: 'admin' },
  });
  expect(added.statusCode).toBeLessThan(300);
});

describe('mute', () => {
  it('refuses the muted user’s sends on both instances with details.until, until unmuted; others still post', async () => {
    expect(await send(bob, 'modroom', 'before')).toMatchObject({ duplicate: false });
    const muted = await one.app.inject({
      method: 'POST',
      url: '/api/rooms/modroom/mutes/',
      headers: admin.headers,
      payload: { user_id: 'm-bob', duration_seconds: 600 },
    });
    expect(muted.statusCode).toBe(200);
    const { until } = muted.json<{ until: string }>();
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(590_000);
    for (let i = 0; i < 4; i++) {
      expect(await send(bob, 'modroom', `muted ${i}`)).toMatchObject({ error_code: 'PERMISSION_DENIED', details: { until } });
    }
    expect(await send(admin, 'modroom', 'admin talks')).toMatchObject({ duplicate: false });
    expect((await server('DELETE', '/api/server/rooms/modroom/mutes/m-bob/')).statusCode).toBe(204);
    expect(await send(bob, 'modroom', 'after')).toMatchObject({ duplicate: false });
  });

  it('ends by itself', async () => {
    expect((await server('POST', '/api/server/rooms/modroom/mutes/', { user_id: 'm-bob', duration_seconds: 1 })).statusCode).toBe(200);
    expect(await send(bob, 'modroom', 'short')).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await send(bob, 'modroom', 'free again')).toMatchObject({ duplicate: false });
  });

  it('is for owners and admins only, never on the owner, and an admin never on an admin', async () => {
    const mute = (by: User, user_id: string) =>
      one.app.inject({ method: 'POST', url: '/api/rooms/modroom/mutes/', headers: by.headers, payload: { user_id, duration_seconds: 60 } });
    expect((await mute(bob, 'm-admin')).statusCode).toBe(403);
    expect((await mute(admin, 'm-owner')).statusCode).toBe(403);
    expect((await one.app.inject({ method: 'POST', url: '/api/rooms/modroom/mutes/', payload: { user_id: 'm-bob', duration_seconds: 60 } })).statusCode).toBe(
      401,
    );
    expect((await server('POST', '/api/server/rooms/modroom/mutes/', { user_id: 'm-bob', duration_seconds: 60 }, reader)).statusCode).toBe(403);
  });
});

describe('ban', () => {
  it('removes the user on every gateway, and they cannot post, join or enter again until unbanned', async () => {
    const eve = await user('m-eve');
    expect(
      (await one.app.inject({ method: 'POST', url: '/api/rooms/modroom/join/', headers: eve.headers, payload: { session_id: eve.session_id } })).statusCode,
    ).toBe(200);
    const controls: UserControl[] = [];
    const tap = one.peer.subscribe(subjects.userControl, (c) => void controls.push(c));
    await tap.ready;

    const banned = await server('POST', '/api/server/rooms/modroom/bans/', { user_id: 'm-eve', reason: 'spam' });
    expect(banned.json()).toMatchObject({ room_id: 'modroom', user_id: 'm-eve' });
    await expect.poll(() => controls).toContainEqual({ user_id: 'm-eve', action: 'remove', room_id: 'modroom' });
    tap.unsubscribe();
    expect(await t.db.selectFrom('memberships').select('room_id').where('session_id', '=', eve.session_id).execute()).toEqual([]);

    for (let i = 0; i < 3; i++) expect(await send(eve, 'modroom', `banned ${i}`)).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    const rejoin = await two.app.inject({ method: 'POST', url: '/api/rooms/modroom/join/', headers: eve.headers, payload: { session_id: eve.session_id } });
    expect(rejoin.json()).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(await two.peer.request(subjects.api.roomAccess, { room_id: 'modroom', session_id: eve.session_id }, { timeoutMs: 5_000 })).toMatchObject({
      allowed: false,
    });

    expect((await server('DELETE', '/api/server/rooms/modroom/bans/m-eve/')).statusCode).toBe(204);
    expect(await two.peer.request(subjects.api.roomAccess, { room_id: 'modroom', session_id: eve.session_id }, { timeoutMs: 5_000 })).toMatchObject({
      allowed: true,
    });
    expect(await send(eve, 'modroom', 'back')).toMatchObject({ duplicate: false });
  });
});

describe('slow mode', () => {
  it('lets one message per N s per user through across both instances, with retry_after_ms, exempting admins and retries', async () => {
    const set = await server('PUT', '/api/server/rooms/modroom/slow-mode/', { seconds: 3 });
    expect(set.json()).toEqual({ room_id: 'modroom', seconds: 3 });

    // Ten at once, answered by both instances: exactly one is stored.
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => send(bob, 'modroom', `burst ${i}`, `burst-${i}`)));
    const stored = burst.filter((r) => 'seq' in r);
    expect(stored).toHaveLength(1);
    const refused = burst.filter((r): r is ErrorData => 'error_code' in r);
    expect(refused).toHaveLength(9);
    for (const r of refused) {
      expect(r.error_code).toBe('RATE_LIMIT_EXCEEDED');
      expect(r.details?.retry_after_ms).toBeGreaterThan(0);
      expect(r.details?.retry_after_ms).toBeLessThanOrEqual(3_000);
    }
    // The stored one's retry gets its duplicate ack; an admin is not slowed.
    const winner = burst.findIndex((r) => 'seq' in r);
    expect(await send(bob, 'modroom', `burst ${winner}`, `burst-${winner}`)).toMatchObject({ duplicate: true });
    expect(await send(admin, 'modroom', 'admin 1')).toMatchObject({ duplicate: false });
    expect(await send(admin, 'modroom', 'admin 2')).toMatchObject({ duplicate: false });

    const wait = refused.at(-1)!.details!.retry_after_ms!;
    await new Promise((r) => setTimeout(r, wait + 100));
    expect(await send(bob, 'modroom', 'next window')).toMatchObject({ duplicate: false });
    expect((await server('PUT', '/api/server/rooms/modroom/slow-mode/', { seconds: 0 })).statusCode).toBe(200);
    expect(await send(bob, 'modroom', 'free 1')).toMatchObject({ duplicate: false });
    expect(await send(bob, 'modroom', 'free 2')).toMatchObject({ duplicate: false });
  });
});

describe('audit', () => {
  it('records every action with who, what, when and on whom, readable with a read key', async () => {
    const page = await one.app.inject({ url: '/api/server/audit/?room_id=modroom', headers: { 'x-api-key': reader } });
    expect(page.statusCode).toBe(200);
    const entries = page.json<{ entries: { actor: string; action: string; target_user_id: string | null; at: string }[] }>().entries;
    const keyId = /^pk_([0-9a-f]{16})_/.exec(key)![1];
    expect(entries.map((e) => [e.action, e.actor, e.target_user_id]).reverse()).toEqual([
      ['mute', 'user:m-admin', 'm-bob'],
      ['unmute', `key:${keyId}`, 'm-bob'],
      ['mute', `key:${keyId}`, 'm-bob'],
      ['ban', `key:${keyId}`, 'm-eve'],
      ['unban', `key:${keyId}`, 'm-eve'],
      ['slow_mode', `key:${keyId}`, null],
      ['slow_mode', `key:${keyId}`, null],
    ]);
    expect(entries.every((e) => Date.now() - Date.parse(e.at) < 60_000)).toBe(true);
    expect((await one.app.inject({ url: '/api/server/audit/', headers: { 'x-api-key': key } })).statusCode).toBe(403);
  });
});
