/**
 * The SDK's room objects and its outbox against the whole stack (edge, gateway, api, presence,
 * Postgres, NATS, Redis): send resolves on the real `message_ack`, history and presence come over
 * REST, and a message typed before a "reload" lands exactly once, with its original id, when a new
 * client instance comes back on the same storage.
 */
import {
  createClient,
  localStorageOutbox,
  type ChatMessage,
  type ClientOptions,
  type MessageAckData,
  type OutboxRecord,
  type ParleyClient,
  type StorageLike,
} from '@parley/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from './support/stack.js';

/** localStorage without a browser: the adapter runs unchanged on it. */
class MapStorage implements StorageLike {
  readonly map = new Map<string, string>();
  get length(): number {
    return this.map.size;
  }
  key(index: number): string | null {
    return [...this.map.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

describe('SDK rooms and outbox on the stack', () => {
  let stack: TestStack;
  const clients: ParleyClient[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ apis: 1, presences: 1, gateways: 1 });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await stack?.close();
  });

  async function session(userId: string): Promise<string> {
    const res = await stack.rest<{ session_id: string }>('POST', '/api/sessions/', { user_id: userId });
    expect(res.status).toBe(201);
    return res.body.session_id;
  }

  function client(options: Partial<ClientOptions>): ParleyClient {
    const created = createClient({ url: stack.wsUrl, WebSocket, backoff: { minMs: 100, maxMs: 1_000 }, timeoutMs: 20_000, ...options });
    clients.push(created);
    return created;
  }

  /** Every stored message of `roomId`, oldest first, paged through `room.history`. */
  async function allHistory(c: ParleyClient, roomId: string): Promise<ChatMessage[]> {
    const messages: ChatMessage[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await c.room(roomId).history({ limit: 2, ...(before === undefined ? {} : { before }) });
      messages.unshift(...page.messages);
      if (!page.has_more || page.next_before_seq === null) return messages;
      before = page.next_before_seq;
    }
  }

  it('joins, sends with an ack, receives in the room, reads history and presence', async () => {
    const alice = client({ sessionId: await session('alice') });
    const bob = client({ sessionId: await session('bob') });
    await Promise.all([alice.connect(), bob.connect()]);
    const [aliceRoom, bobRoom] = [alice.room('general'), bob.room('general')];
    expect(alice.room('general')).toBe(aliceRoom);
    const received: string[] = [];
    bobRoom.on('message', (m) => received.push(`${m.user_id}:${m.content}`));
    await Promise.all([aliceRoom.join(), bobRoom.join()]);
    expect(aliceRoom.state.status).toBe('joined');

    const acks: MessageAckData[] = [];
    for (const text of ['one', 'two', 'three']) acks.push(await aliceRoom.send(text));
    expect(acks.map((a) => a.seq)).toEqual([acks[0]!.seq, acks[0]!.seq + 1, acks[0]!.seq + 2]);
    await expect.poll(() => received, { timeout: 10_000 }).toEqual(['alice:one', 'alice:two', 'alice:three']);

    const history = await allHistory(bob, 'general');
    expect(history.slice(-3).map((m) => [m.seq, m.content, m.client_msg_id])).toEqual(acks.map((a, i) => [a.seq, ['one', 'two', 'three'][i], a.client_msg_id]));
    await expect.poll(async () => (await bobRoom.presence()).users, { timeout: 10_000 }).toEqual(expect.arrayContaining(['alice', 'bob']));
    await expect(alice.room('no-such-room').history()).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });

    await aliceRoom.leave();
    expect(aliceRoom.state).toEqual({ status: 'left', reason: 'left' });
  });

  it('sends a message typed before a reload once, with its client_msg_id, from the next client on the storage', async () => {
    const storage = new MapStorage();
    const sessionId = await session('carol');

    // The first page is offline: the send waits in the outbox (and in storage), then the page goes away.
    const before = client({ sessionId, outbox: localStorageOutbox({ storage }) });
    const typed = before.room('general').send('typed while offline');
    before.close();
    await expect(typed).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    // The second page connects, sends, and dies before its ack can arrive.
    const crashed = client({ sessionId, outbox: localStorageOutbox({ storage }) });
    await crashed.connect();
    const inFlight = crashed.room('general').send('sent just before the crash');
    crashed.close();
    await expect(inFlight).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    const records = localStorageOutbox({ storage }).load() as readonly OutboxRecord[];
    expect(records.map((r) => r.content).sort()).toEqual(['sent just before the crash', 'typed while offline']);

    // The reloaded page: a new client on the same storage.
    const after = client({ sessionId, outbox: localStorageOutbox({ storage }) });
    const acks: MessageAckData[] = [];
    after.on('ack', (a) => acks.push(a));
    await after.connect();
    await expect.poll(() => acks.length, { timeout: 15_000 }).toBe(2);
    expect(acks.map((a) => a.client_msg_id).sort()).toEqual(records.map((r) => r.client_msg_id).sort());
    expect(storage.map.size).toBe(0);

    const stored = (await allHistory(after, 'general')).filter((m) => m.user_id === 'carol');
    expect(stored.map((m) => m.content).sort()).toEqual(['sent just before the crash', 'typed while offline']);
    expect(stored.map((m) => m.client_msg_id).sort()).toEqual(records.map((r) => r.client_msg_id).sort());
  });
});
