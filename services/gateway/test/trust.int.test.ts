import { createTokenVerifier, signToken } from '@parley/auth';
import { subprotocolsFor, WS_SUBPROTOCOL } from '@parley/protocol';
import { isError, isType, texts } from '@parley/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayTestbed, stillOpen, type TestGateway } from './stack.js';

/** The trust boundary on the socket: a session id is a credential, so no frame carries another's. */

const bed = new GatewayTestbed('trust');
const { gateway, connect } = bed;
let gw: TestGateway;
let gw2: TestGateway;

beforeAll(async () => {
  await bed.start();
  [gw, gw2] = await Promise.all([gateway(), gateway()]);
});

afterAll(bed.close);

describe('session ids', () => {
  it('never reach another client: live broadcasts (same and other gateway) and replays carry the recipient’s own id', async () => {
    const ann = await connect(`${gw.ws}/ws/chat/general/`);
    const bob = await connect(`${gw.ws}/ws/chat/general/`);
    const cid = await connect(`${gw2.ws}/ws/chat/general/`);
    for (let i = 0; i < 3; i++) ann.sendText(`hello ${i}`, 'general', { client_msg_id: `leak-${i}` });
    await Promise.all([bob, cid].map((c) => c.collect((f) => f.type === 'text_message' && f.data['user_id'] === ann.welcome['user_id'], 3)));

    // A late joiner gets the same messages replayed from history.
    const dan = await connect(`${gw2.ws}/ws/chat/`);
    dan.send({ type: 'join_room', data: { room_id: 'general', since_seq: 0 } });
    await dan.collect((f) => f.type === 'text_message' && f.data['user_id'] === ann.welcome['user_id'], 3);

    for (const client of [bob, cid, dan]) {
      expect(client.raw.join('\n')).not.toContain(ann.sessionId);
      const received = texts(client, 'general');
      expect(received.length).toBeGreaterThanOrEqual(3);
      for (const frame of received) expect(frame.session_id).toBe(client.sessionId);
    }
    // The sender's own copies are addressed to the sender.
    const own = await ann.collect((f) => f.type === 'text_message' && f.data['user_id'] === ann.welcome['user_id'], 3);
    for (const frame of own) expect(frame.session_id).toBe(ann.sessionId);
    expect(ann.frames.some(isType('message_ack'))).toBe(true);
  });
});

describe('tokens on a live socket', () => {
  const SECRET = 'trust-test-secret-of-at-least-32-bytes!!';
  let secured: TestGateway;
  const token = (sub: string, expiresIn: number) => signToken(SECRET, { sub }, { expiresIn });

  beforeAll(async () => {
    secured = await gateway(
      // Notice 1.5 s before exp, close 300 ms after it: a 3 s token shows the whole lifecycle.
      { AUTH_REQUIRED: 'true', JWT_SECRET: SECRET, WS_TOKEN_REFRESH_NOTICE_MS: '1500', WS_TOKEN_EXPIRY_GRACE_MS: '300' },
      { verifier: createTokenVerifier({ secret: SECRET, clockToleranceSec: 0 }) },
    );
  });

  it('takes the token from Sec-WebSocket-Protocol and answers parley.v1 only', async () => {
    const client = await bed.connect(`${secured.ws}/ws/chat/`, { protocols: subprotocolsFor(await token('header-user', 600)) });
    expect(client.welcome['user_id']).toBe('header-user');
    expect(client.ws.protocol).toBe(WS_SUBPROTOCOL);
    const without = await bed.open(`${secured.ws}/ws/chat/`, { protocols: [WS_SUBPROTOCOL] });
    await without.next(isError('AUTHENTICATION_ERROR'));
    expect((await without.closed).code).toBe(4401);
  });

  it('warns before exp, and closes an unrefreshed socket with 4401 "token expired" at exp', async () => {
    const client = await bed.connect(`${secured.ws}/ws/chat/`, { protocols: subprotocolsFor(await token('lapsing', 3)) });
    const notice = await client.next(isType('system_message', 'token_expiring'), { timeoutMs: 5_000 });
    expect(notice.data['expires_in_ms']).toBeGreaterThan(0);
    expect(notice.data['expires_in_ms']).toBeLessThanOrEqual(3_000);
    const closed = await client.closed;
    expect(closed).toEqual({ code: 4401, reason: 'token expired' });
    expect(client.frames.some(isError('AUTHENTICATION_ERROR'))).toBe(true);
  });

  it('keeps a refreshed socket past its first token’s exp, with its session and rooms', async () => {
    const client = await bed.connect(`${secured.ws}/ws/chat/general/`, { protocols: subprotocolsFor(await token('refresher', 3)) });
    await client.next(isType('system_message', 'token_expiring'), { timeoutMs: 5_000 });
    client.send({ type: 'refresh', data: { token: await token('refresher', 600) } });
    const refreshed = await client.next(isType('system_message', 'token_refreshed'));
    expect(refreshed.data['expires_in_ms']).toBeGreaterThan(500_000);
    await new Promise((r) => setTimeout(r, 3_800));
    await stillOpen(client, 1);
    client.sendText('still here', 'general', { client_msg_id: 'after-refresh' });
    const ack = await client.next(isType('message_ack'));
    expect(ack.session_id).toBe(client.sessionId);
  });

  it('refuses a refresh that does not verify (the socket stays), and closes on another user’s token', async () => {
    const client = await bed.connect(`${secured.ws}/ws/chat/`, { protocols: subprotocolsFor(await token('steady', 600)) });
    client.send({ type: 'refresh', data: { token: 'not.a.jwt' } });
    const refused = await client.next(isError('AUTHENTICATION_ERROR'));
    expect(refused.data.details).toMatchObject({ field: 'token' });
    await stillOpen(client, 2);
    client.send({ type: 'refresh', data: { token: await token('someone-else', 600) } });
    expect((await client.closed).code).toBe(4401);
  });
});

describe('private rooms on the socket', () => {
  const SECRET = 'private-test-secret-of-at-least-32-bytes';
  let secured: TestGateway;

  /** REST against the stack's API as `userId` (a session of theirs names them). */
  async function asUser(userId: string) {
    const created = await bed.stack.rest<{ session_id: string }>('/api/sessions/', { user_id: userId });
    const call = async (method: string, path: string, body?: unknown) => {
      const headers = { 'x-session-id': created.body.session_id, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
      const response = await fetch(`${bed.stack.api.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return response.status;
    };
    return { sessionId: created.body.session_id, call };
  }

  beforeAll(async () => {
    secured = await gateway({ AUTH_REQUIRED: 'true', JWT_SECRET: SECRET }, { verifier: createTokenVerifier({ secret: SECRET }) });
  });

  it('refuses non-members on every path (join_room, text_message, the room’s URL), in both modes, and lets every session of a member in', async () => {
    const owner = await asUser('vault-owner');
    expect(await owner.call('POST', '/api/rooms/', { room_id: 'vault', name: 'Vault', visibility: 'private' })).toBe(201);
    const outsiders = [
      await connect(`${gw.ws}/ws/chat/`),
      await connect(`${secured.ws}/ws/chat/`, { protocols: subprotocolsFor(await signToken(SECRET, { sub: 'vault-outsider' }, { expiresIn: 600 })) }),
    ];
    for (const outsider of outsiders) {
      outsider.send({ type: 'join_room', data: { room_id: 'vault' } });
      expect((await outsider.next(isError('PERMISSION_DENIED'))).data.details).toMatchObject({ room_id: 'vault' });
      outsider.sendText('let me in', 'vault', { client_msg_id: 'sneak' });
      await outsider.next((f) => f.type === 'error' && f.data.details?.['client_msg_id'] === 'sneak' && f.data.error_code === 'PERMISSION_DENIED');
    }
    const byPath = await connect(`${gw.ws}/ws/chat/vault/`);
    await byPath.next(isError('PERMISSION_DENIED'));
    expect(byPath.welcome['rooms']).toEqual([]);

    // Any session of the owner gets in (membership is by user), and only members hear the room.
    const otherTab = await bed.stack.rest<{ session_id: string }>('/api/sessions/', { user_id: 'vault-owner' });
    const member = await connect(`${gw2.ws}/ws/chat/vault/?session_id=${otherTab.body.session_id}`);
    expect(member.welcome['rooms']).toEqual(['vault']);
    member.sendText('members only', 'vault', { client_msg_id: 'inside' });
    await member.next(isType('message_ack'));
    await member.next((f) => f.type === 'text_message' && f.data['content'] === 'members only');
    await stillOpen(outsiders[0]!, 7);
    for (const client of [...outsiders, byPath]) expect(texts(client, 'vault')).toEqual([]);
  });

  it('stops delivering to a removed member at once, on every socket of theirs', async () => {
    const owner = await asUser('club-owner');
    expect(await owner.call('POST', '/api/rooms/', { room_id: 'club', name: 'Club', visibility: 'private' })).toBe(201);
    expect(await owner.call('POST', '/api/rooms/club/members/', { user_id: 'club-guest' })).toBe(201);
    const guestSession = await bed.stack.rest<{ session_id: string }>('/api/sessions/', { user_id: 'club-guest' });
    const host = await connect(`${gw.ws}/ws/chat/club/?session_id=${owner.sessionId}`);
    const tabs = [
      await connect(`${gw.ws}/ws/chat/club/?session_id=${guestSession.body.session_id}`),
      await connect(`${gw2.ws}/ws/chat/club/?session_id=${guestSession.body.session_id}`),
    ];
    host.sendText('before', 'club', { client_msg_id: 'before' });
    await Promise.all(tabs.map((tab) => tab.next((f) => f.type === 'text_message' && f.data['content'] === 'before')));

    expect(await owner.call('DELETE', '/api/rooms/club/members/club-guest/')).toBe(204);
    for (const tab of tabs) expect((await tab.next(isType('system_message', 'room_left'))).data).toMatchObject({ room_id: 'club', reason: 'removed' });
    host.sendText('after', 'club', { client_msg_id: 'after' });
    await host.next((f) => f.type === 'text_message' && f.data['content'] === 'after');
    await Promise.all(tabs.map((tab, i) => stillOpen(tab, 10 + i)));
    for (const tab of tabs) expect(texts(tab, 'club').map((f) => f.data['content'])).toEqual(['before']);
    tabs[0]!.send({ type: 'join_room', data: { room_id: 'club' } });
    await tabs[0]!.next(isError('PERMISSION_DENIED'));
  });
});

describe('a removal the gateway never heard of', () => {
  it('still ends the member’s posting (the store checks membership) and their next join', async () => {
    const owner = await bed.stack.rest<{ session_id: string }>('/api/sessions/', { user_id: 'quiet-owner' });
    const ownerHeaders = { 'x-session-id': owner.body.session_id, 'content-type': 'application/json' };
    const created = await fetch(`${bed.stack.api.url}/api/rooms/`, {
      method: 'POST',
      headers: ownerHeaders,
      body: JSON.stringify({ room_id: 'quiet', name: 'Quiet', visibility: 'private' }),
    });
    expect(created.status).toBe(201);
    await fetch(`${bed.stack.api.url}/api/rooms/quiet/members/`, { method: 'POST', headers: ownerHeaders, body: JSON.stringify({ user_id: 'quiet-member' }) });
    const memberSession = await bed.stack.rest<{ session_id: string }>('/api/sessions/', { user_id: 'quiet-member' });
    const tab = await connect(`${gw.ws}/ws/chat/quiet/?session_id=${memberSession.body.session_id}`);
    expect(tab.welcome['rooms']).toEqual(['quiet']);

    // Removed behind every gateway's back, as when the at-most-once control message is lost.
    const db = new pg.Client({ connectionString: bed.stack.db.url });
    await db.connect();
    try {
      await db.query(`DELETE FROM room_members WHERE room_id = 'quiet' AND user_id = 'quiet-member'`);
    } finally {
      await db.end();
    }
    tab.sendText('still here?', 'quiet', { client_msg_id: 'ghost' });
    const refused = await tab.next((f) => f.type === 'error' && f.data.details?.['client_msg_id'] === 'ghost');
    expect(refused.data.error_code).toBe('PERMISSION_DENIED');
    tab.send({ type: 'join_room', data: { room_id: 'quiet' } });
    await tab.next((f) => f.type === 'error' && f.data.details?.['room_id'] === 'quiet' && f.data.error_code === 'PERMISSION_DENIED');

    const host = await connect(`${gw2.ws}/ws/chat/quiet/?session_id=${owner.body.session_id}`);
    host.sendText('after the removal', 'quiet', { client_msg_id: 'after-removal' });
    await host.next((f) => f.type === 'text_message' && f.data['content'] === 'after the removal');
    await stillOpen(tab, 30);
    expect(texts(tab, 'quiet')).toEqual([]);
  });
});
