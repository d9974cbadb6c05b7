import { createTokenVerifier, signToken } from '@parley/auth';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subprotocolsFor } from '@parley/protocol';
import { isError, isType, type TestSocket as Client } from '@parley/testing';
import { GatewayTestbed, type ApiStack, type TestGateway } from './stack.js';

/** Who may connect: Origin allowlist, authentication, connection caps, the client address. */

const SECRET = 'gateway-test-secret-of-at-least-32-bytes!';
const bed = new GatewayTestbed('access');
const { gateway } = bed;
let stack: ApiStack;
let open: TestGateway;
let secured: TestGateway;

const attempt = (url: string, headers?: Record<string, string>) => bed.open(url, { headers });

/** An in-band refusal: the seed's AUTHENTICATION_ERROR envelope, then 4401, never a welcome. */
async function expectAuthFailure(client: Client): Promise<void> {
  const error = await client.next(isError('AUTHENTICATION_ERROR'));
  expect(error.metadata).toEqual({ version: '1.0', source: 'server' });
  expect((await client.closed).code).toBe(4401);
  expect(client.frames.some(isType('system_message', 'welcome'))).toBe(false);
}

beforeAll(async () => {
  stack = await bed.start();
  open = await gateway({ WS_ALLOWED_ORIGINS: 'https://chat.example.com' });
  secured = await gateway({ AUTH_REQUIRED: 'true', JWT_SECRET: SECRET }, { verifier: createTokenVerifier({ secret: SECRET }), captureLogs: true });
});

afterAll(bed.close);

describe('Origin', () => {
  it('upgrades an allowlisted origin and a client without Origin; refuses the rest with 403 before the upgrade', async () => {
    await (await attempt(`${open.ws}/ws/chat/`, { origin: 'https://chat.example.com' })).next(isType('system_message', 'welcome'));
    await (await attempt(`${open.ws}/ws/chat/`)).next(isType('system_message', 'welcome'));
    for (const origin of ['https://evil.example', 'https://chat.example.com.evil.example', 'http://chat.example.com', 'null']) {
      await expect(attempt(`${open.ws}/ws/chat/`, { origin }), origin).rejects.toThrow(/403/);
    }
  });
});

describe('authentication', () => {
  it('refuses in-band with AUTHENTICATION_ERROR and 4401: no token when required, a bad, expired or unsigned token', async () => {
    const expired = await signToken(SECRET, { sub: 'late' }, { expiresIn: -3_600 });
    const otherKey = await signToken('another-secret-that-is-also-32-bytes-long', { sub: 'mallory' }, { expiresIn: 600 });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","exp":9999999999}').toString('base64url')}.`;
    // The server API's authors: no token may make a socket speak as the system or a bot.
    const system = await signToken(SECRET, { sub: 'system' }, { expiresIn: 600 });
    const bot = await signToken(SECRET, { sub: 'bot:billing' }, { expiresIn: 600 });
    for (const query of [
      '',
      '?token=',
      `?token=${expired}`,
      `?token=${otherKey}`,
      `?token=${unsigned}`,
      '?token=garbage',
      `?token=${system}`,
      `?token=${bot}`,
    ]) {
      await expectAuthFailure(await attempt(`${secured.ws}/ws/chat/${query}`));
    }
  });

  it('refuses an unknown or malformed session_id, and a token on a server that verifies none', async () => {
    await expectAuthFailure(await attempt(`${open.ws}/ws/chat/?session_id=${randomUUID()}`));
    await expectAuthFailure(await attempt(`${open.ws}/ws/chat/?session_id=not-a-uuid`));
    await expectAuthFailure(await attempt(`${open.ws}/ws/chat/?token=abc.def.ghi`));
  });

  it('creates a session for a valid token’s sub, and resumes a session only for its own user', async () => {
    const alice = await signToken(SECRET, { sub: 'alice' }, { expiresIn: 600 });
    const bob = await signToken(SECRET, { sub: 'bob' }, { expiresIn: 600 });
    const first = await attempt(`${secured.ws}/ws/chat/?token=${alice}`);
    const welcome = (await first.next(isType('system_message', 'welcome'))).data;
    expect(welcome).toMatchObject({ user_id: 'alice' });
    const sessionId = welcome['session_id'] as string;
    // A session id alone is not a credential when auth is required (broadcasts reveal it).
    await expectAuthFailure(await attempt(`${secured.ws}/ws/chat/?session_id=${sessionId}`));
    await expectAuthFailure(await attempt(`${secured.ws}/ws/chat/?token=${bob}&session_id=${sessionId}`));
    const resumed = await attempt(`${secured.ws}/ws/chat/?token=${alice}&session_id=${sessionId}`);
    expect((await resumed.next(isType('system_message', 'welcome'))).data).toMatchObject({ session_id: sessionId, user_id: 'alice' });
  });

  it('never writes a token to the log', async () => {
    const marker = `MARKER${randomUUID().replaceAll('-', '')}`;
    await expectAuthFailure(await attempt(`${secured.ws}/ws/chat/?token=${marker}`));
    const valid = await signToken(SECRET, { sub: 'logged' }, { expiresIn: 600 });
    const client = await attempt(`${secured.ws}/ws/chat/general/?token=${valid}&room_id=general`);
    await client.next(isType('system_message', 'welcome'));
    client.close();
    await client.closed;
    const inHeader = await signToken(SECRET, { sub: 'header' }, { expiresIn: 600 });
    const viaHeader = await bed.open(`${secured.ws}/ws/chat/`, { protocols: subprotocolsFor(inHeader) });
    const sessionId = (await viaHeader.next(isType('system_message', 'welcome'))).data['session_id'] as string;
    viaHeader.close();
    await viaHeader.closed;
    // A session id is a credential too: resuming one by URL leaves no trace of it in the log.
    const resumed = await bed.open(`${secured.ws}/ws/chat/?session_id=${sessionId}`, { protocols: subprotocolsFor(inHeader) });
    await resumed.next(isType('system_message', 'welcome'));
    resumed.close();
    await resumed.closed;
    const logs = secured.logs();
    expect(logs).toContain('incoming request');
    expect(logs).toContain('[REDACTED]');
    expect(logs.split(marker).length - 1).toBe(0);
    expect(logs.split(valid).length - 1).toBe(0);
    expect(logs.split(inHeader).length - 1).toBe(0);
    expect(logs.split(sessionId).length - 1).toBe(0);
  });
});

describe('connection caps', () => {
  it('caps connections per IP before the upgrade (429), ignoring X-Forwarded-For from an untrusted peer', async () => {
    const capped = await gateway({ WS_CONNECTIONS_PER_IP: '2' });
    await attempt(`${capped.ws}/ws/chat/`);
    await attempt(`${capped.ws}/ws/chat/`);
    await expect(attempt(`${capped.ws}/ws/chat/`)).rejects.toThrow(/429/);
    await expect(attempt(`${capped.ws}/ws/chat/`, { 'x-forwarded-for': '203.0.113.7' })).rejects.toThrow(/429/);
  });

  it('counts the forwarded client address when the peer is a trusted proxy', async () => {
    const behindProxy = await gateway({ WS_CONNECTIONS_PER_IP: '1', TRUSTED_PROXIES: '127.0.0.1' });
    await attempt(`${behindProxy.ws}/ws/chat/`, { 'x-forwarded-for': '203.0.113.1' });
    await attempt(`${behindProxy.ws}/ws/chat/`, { 'x-forwarded-for': '203.0.113.2' });
    await expect(attempt(`${behindProxy.ws}/ws/chat/`, { 'x-forwarded-for': '203.0.113.1' })).rejects.toThrow(/429/);
    // A client cannot dodge the cap by prepending addresses: the rightmost untrusted one counts.
    await expect(attempt(`${behindProxy.ws}/ws/chat/`, { 'x-forwarded-for': '198.51.100.9, 203.0.113.2' })).rejects.toThrow(/429/);
  });

  it('caps connections per user: the next one gets RATE_LIMIT_EXCEEDED and 1008', async () => {
    const capped = await gateway({ WS_CONNECTIONS_PER_USER: '2' });
    const session = await stack.rest<{ session_id: string }>('/api/sessions/', { user_id: 'many-tabs' });
    const url = `${capped.ws}/ws/chat/?session_id=${session.body.session_id}`;
    await (await attempt(url)).next(isType('system_message', 'welcome'));
    const second = await attempt(url);
    await second.next(isType('system_message', 'welcome'));
    const third = await attempt(url);
    expect((await third.next(isError('RATE_LIMIT_EXCEEDED'))).data.details).toMatchObject({ field: 'connections', limit: 2 });
    expect((await third.closed).code).toBe(1008);
    // A slot frees up when a connection ends.
    second.close();
    await second.closed;
    await new Promise((r) => setTimeout(r, 50));
    await (await attempt(url)).next(isType('system_message', 'welcome'));
  });
});
