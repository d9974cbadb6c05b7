import { createTokenVerifier, signToken } from '@parley/auth';
import { subprotocolsFor, WS_SUBPROTOCOL } from '@parley/protocol';
import { isError, isType, texts } from '@parley/testing';
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
