import { createTokenVerifier, signToken } from '@parley/auth';
import { subjects } from '@parley/bus';
import type { UserControl } from '@parley/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

/**
 * Who may do what over REST and the gateways' bus look-ups, in both modes: with AUTH_REQUIRED
 * (callers identified by a Bearer JWT) and without (callers identified by X-Session-Id).
 */

const SECRET = 'access-test-secret-of-at-least-32-bytes!';
const timeout = { timeoutMs: 2_000 };
let t: MigratedDatabase;
let open: TestApi;
let secured: TestApi;

beforeAll(async () => {
  t = await migratedDatabase();
  const verifier = createTokenVerifier({ secret: SECRET });
  [open, secured] = await Promise.all([
    startApi({ databaseUrl: t.url, verifier, config: { AUTH_REQUIRED: false } }),
    startApi({ databaseUrl: t.url, verifier, config: { AUTH_REQUIRED: true } }),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.close(), secured?.close()]);
  await t?.close();
});

const bearer = async (sub: string) => ({ authorization: `Bearer ${await signToken(SECRET, { sub }, { expiresIn: 300 })}` });
const status = (res: LightMyRequestResponse) => [res.statusCode, res.json<{ error_code?: string }>().error_code];

/** One user of the open deployment: a session, and the header that names them. */
async function guest(user_id: string) {
  const res = await open.app.inject({ method: 'POST', url: '/api/sessions/', payload: { user_id } });
  const session_id = res.json<{ session_id: string }>().session_id;
  return { user_id, session_id, headers: { 'x-session-id': session_id } };
}

describe('AUTH_REQUIRED=true', () => {
  it('answers 401 on every endpoint but health and docs without a Bearer token', async () => {
    const sid = '00000000-0000-4000-8000-000000000001';
    const requests = [
      { method: 'GET', url: '/api/rooms/' },
      { method: 'POST', url: '/api/rooms/', payload: { room_id: 'nope', name: 'Nope' } },
      { method: 'GET', url: '/api/rooms/general/' },
      { method: 'POST', url: '/api/rooms/general/join/', payload: { session_id: sid } },
      { method: 'POST', url: '/api/rooms/general/leave/', payload: { session_id: sid } },
      { method: 'GET', url: '/api/rooms/general/messages/' },
      { method: 'GET', url: '/api/rooms/general/presence/' },
      { method: 'GET', url: '/api/rooms/general/members/' },
      { method: 'POST', url: '/api/rooms/general/members/', payload: { user_id: 'x' } },
      { method: 'DELETE', url: '/api/rooms/general/members/x/' },
      { method: 'GET', url: `/api/sessions/${sid}/` },
      { method: 'POST', url: '/api/sessions/', payload: { user_id: 'x' } },
    ] as const;
    for (const request of requests) {
      expect(status(await secured.app.inject(request)), `${request.method} ${request.url}`).toEqual([401, 'AUTHENTICATION_ERROR']);
      // A session id is no substitute for a token here.
      const withSession = await secured.app.inject({ ...request, headers: { 'x-session-id': sid } });
      expect(withSession.statusCode, `${request.method} ${request.url}`).toBe(401);
    }
    for (const url of ['/livez', '/readyz', '/docs/json']) expect((await secured.app.inject({ url })).statusCode).not.toBe(401);
  });

  it('joins and leaves only for the token’s own sessions', async () => {
    const alice = await bearer('alice');
    const { session_id } = (await secured.app.inject({ method: 'POST', url: '/api/sessions/', headers: alice, payload: { user_id: 'alice' } })).json();
    const body = { session_id };
    const asMallory = await bearer('mallory');
    for (const action of ['join', 'leave']) {
      const forged = await secured.app.inject({ method: 'POST', url: `/api/rooms/general/${action}/`, headers: asMallory, payload: body });
      expect(status(forged)).toEqual([403, 'PERMISSION_DENIED']);
      const own = await secured.app.inject({ method: 'POST', url: `/api/rooms/general/${action}/`, headers: alice, payload: body });
      expect(own.statusCode).toBe(200);
    }
  });
});

describe('private rooms', () => {
  it('are invisible to non-members on every REST path, in both modes, and visible to every session of a member', async () => {
    const owner = await guest('p-owner');
    const outsider = await guest('p-outsider');
    const created = await open.app.inject({
      method: 'POST',
      url: '/api/rooms/',
      headers: owner.headers,
      payload: { room_id: 'secret', name: 'Secret', visibility: 'private' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ room_id: 'secret', visibility: 'private', type: 'room' });

    const paths = ['/api/rooms/secret/', '/api/rooms/secret/messages/', '/api/rooms/secret/presence/', '/api/rooms/secret/members/'];
    const asOutsiderSecured = await bearer('p-outsider');
    for (const [app, headers] of [
      [open, outsider.headers],
      [open, {}],
      [secured, asOutsiderSecured],
    ] as const) {
      for (const url of paths) expect(status(await app.app.inject({ url, headers })), url).toEqual([404, 'ROOM_NOT_FOUND']);
      const rooms = (await app.app.inject({ url: '/api/rooms/?limit=100', headers })).json<{ rooms: { room_id: string }[] }>().rooms;
      expect(rooms.map((r) => r.room_id)).not.toContain('secret');
    }
    const join = await open.app.inject({ method: 'POST', url: '/api/rooms/secret/join/', payload: { session_id: outsider.session_id } });
    expect(status(join)).toEqual([404, 'ROOM_NOT_FOUND']);

    // Added as a member: every session of theirs, and their token, sees the room.
    const add = await open.app.inject({ method: 'POST', url: '/api/rooms/secret/members/', headers: owner.headers, payload: { user_id: 'p-outsider' } });
    expect(add.statusCode).toBe(201);
    const second = await guest('p-outsider');
    for (const [app, headers] of [
      [open, outsider.headers],
      [open, second.headers],
      [secured, asOutsiderSecured],
    ] as const) {
      for (const url of paths.slice(0, 2)) expect((await app.app.inject({ url, headers })).statusCode, url).toBe(200);
      const rooms = (await app.app.inject({ url: '/api/rooms/?limit=100', headers })).json<{ rooms: { room_id: string }[] }>().rooms;
      expect(rooms.map((r) => r.room_id)).toContain('secret');
    }
    expect((await open.app.inject({ method: 'POST', url: '/api/rooms/secret/join/', payload: { session_id: second.session_id } })).statusCode).toBe(200);
  });

  it('are entered over the bus by members’ sessions only', async () => {
    const owner = await guest('b-owner');
    const other = await guest('b-other');
    await open.app.inject({
      method: 'POST',
      url: '/api/rooms/',
      headers: owner.headers,
      payload: { room_id: 'bus-secret', name: 'Bus secret', visibility: 'private' },
    });
    const ask = (session_id: string) => open.peer.request(subjects.api.roomAccess, { room_id: 'bus-secret', session_id }, timeout);
    expect(await ask(owner.session_id)).toMatchObject({ allowed: true });
    expect(await ask(other.session_id)).toMatchObject({ allowed: false });
    expect(await open.peer.request(subjects.api.roomAccess, { room_id: 'general', session_id: other.session_id }, timeout)).toMatchObject({ allowed: true });
  });

  it('take no message from a non-member, even through a gateway that let one in', async () => {
    const owner = await guest('a-owner');
    const removed = await guest('a-removed');
    await open.app.inject({
      method: 'POST',
      url: '/api/rooms/',
      headers: owner.headers,
      payload: { room_id: 'append-secret', name: 'Append secret', visibility: 'private' },
    });
    const append = (who: typeof owner, client_msg_id: string) =>
      open.peer.request(
        subjects.api.appendMessage,
        { room_id: 'append-secret', session_id: who.session_id, user_id: who.user_id, content: 'hi', client_msg_id },
        timeout,
      );
    await expect(append(owner, 'o-1')).resolves.toMatchObject({ duplicate: false, message: { seq: 1 } });
    await expect(append(removed, 'r-1')).rejects.toMatchObject({ remote: { error_code: 'PERMISSION_DENIED' } });
    await open.app.inject({ method: 'POST', url: '/api/rooms/append-secret/members/', headers: owner.headers, payload: { user_id: 'a-removed' } });
    await expect(append(removed, 'r-2')).resolves.toMatchObject({ message: { seq: 2 } });
    await open.app.inject({ method: 'DELETE', url: '/api/rooms/append-secret/members/a-removed/', headers: owner.headers });
    await expect(append(removed, 'r-3')).rejects.toMatchObject({ remote: { error_code: 'PERMISSION_DENIED' } });
  });

  it('need an owner: an anonymous caller cannot create one', async () => {
    const res = await open.app.inject({ method: 'POST', url: '/api/rooms/', payload: { room_id: 'orphan', name: 'Orphan', visibility: 'private' } });
    expect(status(res)).toEqual([401, 'AUTHENTICATION_ERROR']);
  });
});

describe('roles', () => {
  it('lets owners and admins manage members, members only leave, and nobody touch the owner', async () => {
    const [owner, admin, member, extra] = await Promise.all(['r-owner', 'r-admin', 'r-member', 'r-extra'].map(guest));
    const as = (who: { headers: Record<string, string> }) => who!.headers;
    await open.app.inject({ method: 'POST', url: '/api/rooms/', headers: as(owner!), payload: { room_id: 'managed', name: 'Managed', visibility: 'private' } });
    const add = (by: typeof owner, user_id: string, role?: string) =>
      open.app.inject({ method: 'POST', url: '/api/rooms/managed/members/', headers: as(by!), payload: { user_id, ...(role ? { role } : {}) } });
    const remove = (by: typeof owner, user_id: string) =>
      open.app.inject({ method: 'DELETE', url: `/api/rooms/managed/members/${user_id}/`, headers: as(by!) });

    expect((await add(owner, 'r-admin', 'admin')).statusCode).toBe(201);
    expect((await add(admin, 'r-member')).json()).toMatchObject({ user_id: 'r-member', role: 'member' });
    expect((await add(admin, 'r-member')).statusCode).toBe(200);
    expect(status(await add(member, 'r-extra'))).toEqual([403, 'PERMISSION_DENIED']);
    expect(status(await remove(admin, 'r-owner'))).toEqual([403, 'PERMISSION_DENIED']);
    expect(status(await remove(member, 'r-admin'))).toEqual([403, 'PERMISSION_DENIED']);
    const promote = await open.app.inject({ method: 'PATCH', url: '/api/rooms/managed/members/r-member/', headers: as(owner!), payload: { role: 'admin' } });
    expect(promote.json()).toMatchObject({ role: 'admin' });
    expect(
      status(await open.app.inject({ method: 'PATCH', url: '/api/rooms/managed/members/r-owner/', headers: as(admin!), payload: { role: 'member' } })),
    ).toEqual([403, 'PERMISSION_DENIED']);
    // A non-member learns nothing, not even that the room exists.
    expect(status(await add(extra, 'r-extra'))).toEqual([404, 'ROOM_NOT_FOUND']);

    const controls: UserControl[] = [];
    const tap = open.peer.subscribe(subjects.userControl, (c) => void controls.push(c));
    await tap.ready;
    expect((await remove(member, 'r-member')).statusCode).toBe(204);
    const members = (await open.app.inject({ url: '/api/rooms/managed/members/', headers: as(owner!) })).json<{
      members: { user_id: string; role: string }[];
    }>();
    expect(members.members.map((m) => [m.user_id, m.role])).toEqual([
      ['r-owner', 'owner'],
      ['r-admin', 'admin'],
    ]);
    await expect.poll(() => controls).toEqual([{ user_id: 'r-member', action: 'remove', room_id: 'managed' }]);
    tap.unsubscribe();
  });
});

describe('direct rooms', () => {
  it('give the one private room of a pair, whichever of the two asks, and nobody else sees it', async () => {
    const [ann, bob, eve] = await Promise.all(['d-ann', 'd-bob', 'd-eve'].map(guest));
    const dm = (by: typeof ann, user_ids: string[]) =>
      open.app.inject({ method: 'POST', url: '/api/rooms/', headers: by!.headers, payload: { type: 'direct', user_ids } });
    const first = await dm(ann, ['d-ann', 'd-bob']);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ type: 'direct', visibility: 'private' });
    const again = await dm(bob, ['d-bob', 'd-ann']);
    expect(again.statusCode).toBe(200);
    expect(again.json().room_id).toBe(first.json().room_id);
    expect(status(await dm(eve, ['d-ann', 'd-bob']))).toEqual([403, 'PERMISSION_DENIED']);
    const roomId = first.json().room_id as string;
    expect((await open.app.inject({ url: `/api/rooms/${roomId}/`, headers: bob!.headers })).statusCode).toBe(200);
    expect((await open.app.inject({ url: `/api/rooms/${roomId}/`, headers: eve!.headers })).statusCode).toBe(404);
    const addEve = await open.app.inject({ method: 'POST', url: `/api/rooms/${roomId}/members/`, headers: ann!.headers, payload: { user_id: 'd-eve' } });
    expect(addEve.statusCode).toBe(403);
    const leave = await open.app.inject({ method: 'DELETE', url: `/api/rooms/${roomId}/members/d-ann/`, headers: ann!.headers });
    expect(status(leave)).toEqual([403, 'PERMISSION_DENIED']);
  });

  it('have ids nobody can compute or squat: random, under a prefix named rooms may not use', async () => {
    const [ann, bob] = await Promise.all(['s-ann', 's-bob'].map(guest));
    const room = (
      await open.app.inject({ method: 'POST', url: '/api/rooms/', headers: ann!.headers, payload: { type: 'direct', user_ids: ['s-ann', 's-bob'] } })
    ).json<{ room_id: string }>();
    expect(room.room_id).toMatch(/^dm-[0-9a-f]{32}$/);
    const again = await open.app.inject({
      method: 'POST',
      url: '/api/rooms/',
      headers: bob!.headers,
      payload: { type: 'direct', user_ids: ['s-ann', 's-bob'] },
    });
    expect(again.json().room_id).toBe(room.room_id);
    const squat = await open.app.inject({ method: 'POST', url: '/api/rooms/', payload: { room_id: 'dm-squatted', name: 'Squat' } });
    expect(squat.json()).toMatchObject({ error_code: 'VALIDATION_ERROR', details: { field: 'body.room_id' } });
  });

  it('are created once under concurrent first requests of one pair', async () => {
    const [ann, bob] = await Promise.all(['x-ann', 'x-bob'].map(guest));
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        open.app.inject({
          method: 'POST',
          url: '/api/rooms/',
          headers: (i % 2 ? ann : bob)!.headers,
          payload: { type: 'direct', user_ids: ['x-ann', 'x-bob'] },
        }),
      ),
    );
    expect(new Set(replies.map((r) => r.json().room_id)).size).toBe(1);
    expect(replies.filter((r) => r.statusCode === 201)).toHaveLength(1);
  });
});

describe('room creation', () => {
  it('is a permission for guests: off, only token callers create rooms', async () => {
    const strict = await startApi({
      databaseUrl: t.url,
      verifier: createTokenVerifier({ secret: SECRET }),
      config: { AUTH_REQUIRED: false, GUEST_ROOM_CREATION: false },
    });
    try {
      const g = await guest('c-guest');
      const payload = { room_id: 'guest-made', name: 'Guest made' };
      expect(status(await strict.app.inject({ method: 'POST', url: '/api/rooms/', payload }))).toEqual([403, 'PERMISSION_DENIED']);
      expect(status(await strict.app.inject({ method: 'POST', url: '/api/rooms/', headers: g.headers, payload }))).toEqual([403, 'PERMISSION_DENIED']);
      const direct = { type: 'direct', user_ids: ['c-guest', 'c-user'] };
      expect(status(await strict.app.inject({ method: 'POST', url: '/api/rooms/', headers: g.headers, payload: direct }))).toEqual([403, 'PERMISSION_DENIED']);
      const signed = await strict.app.inject({ method: 'POST', url: '/api/rooms/', headers: await bearer('c-user'), payload });
      expect(signed.statusCode).toBe(201);
      const members = (await strict.app.inject({ url: '/api/rooms/guest-made/members/' })).json<{ members: unknown[] }>();
      expect(members.members).toEqual([expect.objectContaining({ user_id: 'c-user', role: 'owner' })]);
    } finally {
      await strict.close();
    }
  });
});

describe('history over the bus', () => {
  it('serves a gateway’s catch-up page after a seq, oldest first, without session ids', async () => {
    const g = await guest('h-user');
    for (const client_msg_id of ['h1', 'h2', 'h3']) {
      await open.peer.request(
        subjects.api.appendMessage,
        { room_id: 'general', session_id: g.session_id, user_id: g.user_id, content: client_msg_id, client_msg_id },
        timeout,
      );
    }
    const all = await open.peer.request(subjects.api.roomHistory, { room_id: 'general', after_seq: 0, limit: 100 }, timeout);
    const mine = all.events.flatMap((e) => (e.type === 'text_message' && e.data.user_id === 'h-user' ? [e.data] : []));
    expect(mine.map((m) => m.content)).toEqual(['h1', 'h2', 'h3']);
    expect(JSON.stringify(all)).not.toContain(g.session_id);
    const after = await open.peer.request(subjects.api.roomHistory, { room_id: 'general', after_seq: mine[0]!.seq, limit: 1 }, timeout);
    expect(after).toMatchObject({ has_more: true, events: [{ type: 'text_message', data: { seq: mine[0]!.seq + 1 } }] });
  });
});
