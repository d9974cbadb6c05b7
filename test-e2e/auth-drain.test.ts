/**
 * The SDK against a real stack with AUTH_REQUIRED=true (issue #11): a rolling deploy (a gateway
 * drained with SIGTERM) does not log anyone out, and a socket whose token is refreshed through
 * `getToken` outlives that token's `exp`, where one with a static token is closed (4401).
 */
import { signToken } from '@parley/auth';
import { createClient, type ClientState, type ParleyClient } from '@parley/client';
import type { ChatMessage, MessagesPage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { JWT_SECRET, startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
const clients: ParleyClient[] = [];

beforeAll(async () => {
  stack = await startTestStack(
    { apis: 1, presences: 1, gateways: 2 },
    {
      AUTH_REQUIRED: 'true',
      WS_MESSAGE_RATE_PER_SEC: '200',
      WS_MESSAGE_BURST: '200',
      // Short-lived tokens below: warn 2.5 s ahead, close right at exp.
      WS_TOKEN_REFRESH_NOTICE_MS: '2500',
      WS_TOKEN_EXPIRY_GRACE_MS: '0',
    },
  );
});
afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.close();
});

const token = (sub: string, seconds: number) => signToken(JWT_SECRET, { sub }, { expiresIn: seconds });

/** REST as `sub` (Bearer), so the test holds however strictly REST enforces AUTH_REQUIRED. */
async function rest<T>(sub: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token(sub, 600)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return (await res.json()) as T;
}

function start(options: { getToken?: () => Promise<string>; token?: string }) {
  const client = createClient({ url: stack.wsUrl, WebSocket, backoff: { minMs: 100, maxMs: 1_000 }, ...options });
  clients.push(client);
  const states: ClientState[] = [];
  const received: ChatMessage[] = [];
  client.on('state', (s) => void states.push(s));
  client.on('message', (m) => void received.push(m));
  return { client, states, received };
}

async function history(sub: string, roomId: string): Promise<ChatMessage[]> {
  const page = await rest<MessagesPage>(sub, 'GET', `/api/rooms/${roomId}/messages/?after_seq=0&limit=100`);
  return page.messages;
}

describe('the SDK with AUTH_REQUIRED=true', () => {
  it('a socket refreshed through getToken outlives its first token; a static short-lived token is closed with 4401', async () => {
    const lifetime = 4; // seconds; the gateway warns 2.5 s before exp
    const firstExp = Date.now() + lifetime * 1_000;
    let issued = 0;
    const refreshed = start({ getToken: () => (issued++, token('renewed', lifetime)) });
    const expiring = start({ token: await token('expiring', lifetime) });
    await refreshed.client.connect();
    await expiring.client.connect();
    await rest('renewed', 'POST', '/api/rooms/', { room_id: 'renewal', name: 'Renewal' });
    await refreshed.client.join('renewal');

    await expect.poll(() => expiring.client.state, { timeout: 10_000, interval: 100 }).toMatchObject({ status: 'closed', code: 4401 });
    await new Promise((r) => setTimeout(r, Math.max(0, firstExp + 1_500 - Date.now())));

    expect(Date.now()).toBeGreaterThan(firstExp + 1_000);
    expect(refreshed.states.map((s) => s.status)).toEqual(['connecting', 'connected']); // one socket throughout
    expect(issued).toBeGreaterThanOrEqual(2);
    const ack = await refreshed.client.send('renewal', 'still here');
    expect(ack.seq).toBe(1);
    await expect.poll(() => refreshed.received.map((m) => m.content)).toEqual(['still here']);
  });

  it('survives a gateway drained with SIGTERM: back in its rooms, nothing lost, not logged out', async () => {
    let issued = 0;
    const sender = start({ getToken: () => (issued++, token('sender', 600)) });
    const receiver = start({ getToken: () => token('receiver', 600) });
    // A static token keeps working too: it is sent again beside the session on the reconnect.
    const fixed = start({ token: await token('fixed', 600) });
    await sender.client.connect();
    await receiver.client.connect();
    await fixed.client.connect();
    await rest('sender', 'POST', '/api/rooms/', { room_id: 'deploy', name: 'Deploy' });
    for (const c of [sender, receiver, fixed]) await c.client.join('deploy');

    const sends: Promise<{ seq: number }>[] = [];
    let drained: Promise<number | null> | undefined;
    for (let i = 0; i < 60; i++) {
      sends.push(sender.client.send('deploy', `m${i}`));
      if (i === 20) drained = stack.of('gateway')[0]!.stop('SIGTERM');
      await new Promise((r) => setTimeout(r, 10));
    }
    const acks = await Promise.all(sends);
    expect(await drained).toBe(0);

    // The edge hands out gateways in turn (the test above opened two sockets): sender and fixed
    // were on gateway-1 and came back.
    for (const c of [sender, fixed]) {
      expect(c.states.map((s) => s.status)).toContain('reconnecting');
      expect(c.states.some((s) => s.status === 'closed')).toBe(false);
      await expect.poll(() => c.client.state.status, { timeout: 10_000 }).toBe('connected');
      expect(c.client.rooms()).toEqual(['deploy']);
    }
    expect(issued).toBeGreaterThanOrEqual(2); // getToken was asked again for the reconnect

    const all = Array.from({ length: 60 }, (_, i) => i + 1);
    expect(acks.map((a) => a.seq).sort((a, b) => a - b)).toEqual(all);
    expect((await history('receiver', 'deploy')).map((m) => m.seq)).toEqual(all);
    for (const c of [receiver, fixed]) {
      await expect.poll(() => c.received.length, { timeout: 15_000 }).toBe(60);
      expect(c.received.map((m) => m.seq)).toEqual(all);
    }

    // After the deploy each client still chats, in both directions.
    await fixed.client.send('deploy', 'after the deploy');
    await expect.poll(() => sender.received.at(-1)?.content, { timeout: 5_000 }).toBe('after the deploy');
  });
});
