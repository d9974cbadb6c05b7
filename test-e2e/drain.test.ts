import { createClient, type ParleyClient } from '@parley/client';
import type { ChatMessage, MessagesPage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
const clients: ParleyClient[] = [];

beforeAll(async () => {
  // A generous rate limit: this test is about shutdown, not flooding.
  stack = await startTestStack({}, { WS_MESSAGE_RATE_PER_SEC: '200', WS_MESSAGE_BURST: '200' });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.close();
});

async function client(user_id: string): Promise<ParleyClient> {
  const { body } = await stack.rest<{ session_id: string }>('POST', '/api/sessions/', { user_id });
  const c = createClient({ url: stack.wsUrl, sessionId: body.session_id, WebSocket, backoff: { minMs: 100, maxMs: 1_000 } });
  clients.push(c);
  await c.connect();
  return c;
}

async function history(roomId: string): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  for (let after = 0; ;) {
    const { body } = await stack.rest<MessagesPage>('GET', `/api/rooms/${roomId}/messages/?after_seq=${after}&limit=100`);
    all.push(...body.messages);
    if (!body.has_more) return all;
    after = body.messages.at(-1)!.seq;
  }
}

describe('a gateway drained mid-chat (SIGTERM)', () => {
  it('loses no acknowledged message: every ack is stored once, delivered once and in order', async () => {
    // The edge hands out gateways in turn: the sender lands on gateway-1, the receiver on gateway-2.
    const sender = await client('sender');
    const receiver = await client('receiver');
    await stack.rest('POST', '/api/rooms/', { room_id: 'drain', name: 'Drain' });
    await sender.join('drain');
    await receiver.join('drain');
    const received: ChatMessage[] = [];
    receiver.on('message', (m) => void received.push(m));
    const senderStates: string[] = [];
    sender.on('state', (s) => void senderStates.push(s.status));

    const sends: Promise<{ seq: number; message_id: string }>[] = [];
    let drained: Promise<number | null> | undefined;
    for (let i = 0; i < 150; i++) {
      sends.push(sender.send('drain', `m${i}`));
      if (i === 50) drained = stack.of('gateway')[0]!.stop('SIGTERM');
      await new Promise((r) => setTimeout(r, 10));
    }
    const acks = await Promise.all(sends);
    expect(await drained).toBe(0);
    expect(senderStates).toContain('reconnecting');

    const seqs = acks.map((a) => a.seq);
    expect(new Set(seqs).size).toBe(150);
    const stored = await history('drain');
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.content)).size).toBe(150);
    for (const ack of acks) expect(stored.find((m) => m.seq === ack.seq)?.message_id).toBe(ack.message_id);

    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(150);
    expect(received.map((m) => m.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
  });
});
