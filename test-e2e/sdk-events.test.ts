/**
 * Edits, deletes and reactions through the SDK's room objects on the whole stack (two gateways,
 * two api instances behind the edge): each resolves on its real `event_ack`, reaches the other
 * member, survives a gateway SIGTERM (resent with its client_msg_id, caught up with since_seq),
 * and the state each room object built from what it received equals a fresh history page.
 */
import { createClient, type ParleyClient, type ParleyRoom } from '@parley/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
const clients: ParleyClient[] = [];

beforeAll(async () => {
  stack = await startTestStack({ apis: 2, gateways: 2, presences: 1 }, { WS_MESSAGE_RATE_PER_SEC: '100', WS_MESSAGE_BURST: '100' });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.close();
});

async function client(sessionId: string): Promise<ParleyClient> {
  const c = createClient({ url: stack.wsUrl, sessionId, WebSocket, backoff: { minMs: 100, maxMs: 1_000 }, timeoutMs: 30_000 });
  clients.push(c);
  await c.connect();
  return c;
}
const session = async (user_id: string) => (await stack.rest<{ session_id: string }>('POST', '/api/sessions/', { user_id })).body.session_id;

/** What a reader sees of a room: content, tombstone, edit, reactions, as `messages()` lists them. */
const shown = (room: ParleyRoom) => room.messages();

describe('durable events through the SDK on the stack', () => {
  it('edit, delete, react and unreact resolve on event_ack, survive a gateway SIGTERM, and build the state of a fresh history page', async () => {
    const [aliceSession, bobSession] = await Promise.all([session('alice'), session('bob')]);
    // The edge hands out gateways in turn: alice lands on one, bob on the other.
    const alice = await client(aliceSession);
    const bob = await client(bobSession);
    expect((await stack.rest('POST', '/api/rooms/', { room_id: 'sdk-events', name: 'SDK events' })).status).toBe(201);
    const a = alice.room('sdk-events');
    const b = bob.room('sdk-events');
    await Promise.all([a.join(), b.join()]);
    const reconnects: string[] = [];
    alice.on('state', (st) => void (st.status === 'reconnecting' && reconnects.push('alice')));
    bob.on('state', (st) => void (st.status === 'reconnecting' && reconnects.push('bob')));
    const bobEvents: string[] = [];
    b.on('event', (e) => void bobEvents.push(e.type));

    const [m1, m2, m3] = [await a.send('helo'), await a.send('second'), await b.send('oops')];
    const edit = await a.edit(m1.message_id, 'hello');
    expect(edit).toMatchObject({ type: 'message_edited', message_id: m1.message_id, seq: 4, duplicate: false });
    await b.react(m1.message_id, '👍');
    await a.react(m1.message_id, '👍');
    await b.delete(m3.message_id);
    await expect(b.edit(m1.message_id, 'not yours')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });

    // One gateway goes away mid-conversation; whoever was on it reconnects through the other.
    const drained = stack.of('gateway')[0]!.stop('SIGTERM');
    const during = [a.react(m2.message_id, '🎉'), b.react(m2.message_id, '🎉'), a.unreact(m1.message_id, '👍'), a.edit(m2.message_id, 'second, edited')];
    await Promise.all(during);
    expect(await drained).toBe(0);
    expect(reconnects.length).toBeGreaterThan(0);
    await a.delete(m1.message_id);

    const last = 12;
    await expect.poll(() => [alice.lastSeq('sdk-events'), bob.lastSeq('sdk-events')], { timeout: 20_000 }).toEqual([last, last]);
    expect(bobEvents).toHaveLength(last - 3);

    // Fresh readers (new clients, nothing received live): their history pages.
    const pageFor = async (sessionId: string) => (await (await client(sessionId)).room('sdk-events').history({ limit: 100 })).messages;
    expect(shown(b)).toEqual(await pageFor(bobSession));
    expect(shown(a)).toEqual(await pageFor(aliceSession));
    expect(shown(b).map((m) => [m.content, m.deleted_at !== null, m.edited_at !== null, m.reactions])).toEqual([
      ['', true, true, []],
      ['second, edited', false, true, [{ emoji: '🎉', count: 2, me: true }]],
      ['', true, false, []],
    ]);
  });
});
