import { subjects } from '@parley/bus';
import { CLOSE_CODES } from '@parley/protocol';
import { isError, isType, type TestSocket } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayTestbed, stillOpen, type ApiStack, type TestGateway } from './stack.js';

/** Read positions, unread counts and receipts; typing; on real servers through a real api process. */

const bed = new GatewayTestbed('reads');
const { gateway, connect } = bed;
let stack: ApiStack;
let g: TestGateway;

beforeAll(async () => {
  stack = await bed.start();
  g = await gateway();
});
afterAll(bed.close);

const sessionOf = async (user_id: string) => (await stack.rest<{ session_id: string }>('/api/sessions/', { user_id })).body.session_id;
const joinAs = async (user: string, room: string, session?: string) => {
  const client = await connect(`${g.ws}/ws/chat/${room}/?session_id=${session ?? (await sessionOf(user))}`);
  await client.next(isType('system_message', 'room_joined'));
  return client;
};
const post = async (client: TestSocket, room: string, content: string) => {
  const id = `${content.replace(/\W/g, '')}-${Math.random().toString(36).slice(2, 8)}`;
  client.sendText(content, room, { client_msg_id: id });
  return client.next((f) => f.type === 'message_ack' && f.data['client_msg_id'] === id);
};
const metric = async (pattern: RegExp) => {
  const match = (await (await fetch(`${g.http}/metrics`)).text()).match(pattern);
  return match ? Number(match[1]) : 0;
};
const ofType = (client: TestSocket, type: string, userId?: string) =>
  client.frames.filter((f) => f.type === type && (userId === undefined || f.data['user_id'] === userId));

describe('read positions', () => {
  it('room_joined and welcome carry read_seq and unread; mark_read is acked, never goes back, and the others get a coalesced read_receipt', async () => {
    await stack.rest('/api/rooms/', { room_id: 'reads-a', name: 'Reads A' });
    const carlSession = await sessionOf('carl');
    const carl = await joinAs('carl', 'reads-a', carlSession);
    for (const n of [1, 2, 3]) await post(carl, 'reads-a', `m${n}`);
    const danaSession = await sessionOf('dana');
    const dana = await joinAs('dana', 'reads-a', danaSession);
    expect((await dana.next(isType('system_message', 'room_joined'))).data).toMatchObject({ room_id: 'reads-a', last_seq: 3, read_seq: 0, unread: 3 });
    expect(dana.welcome).toMatchObject({ unread: { 'reads-a': 3 }, read_seq: { 'reads-a': 0 } });
    // Carl's own messages are never unread for him.
    expect((await carl.next(isType('system_message', 'room_joined'))).data).toMatchObject({ unread: 0 });

    dana.send({ type: 'mark_read', data: { room_id: 'reads-a', seq: 2 } });
    expect((await dana.next(isType('read_ack'))).data).toEqual({ room_id: 'reads-a', read_seq: 2, unread: 1 });
    expect((await carl.next(isType('read_receipt'))).data).toEqual({ room_id: 'reads-a', user_id: 'dana', seq: 2 });

    for (const n of [4, 5, 6, 7, 8]) await post(carl, 'reads-a', `m${n}`);
    const acks = dana.frames.length;
    for (const seq of [4, 5, 6, 7, 8]) dana.send({ type: 'mark_read', data: { room_id: 'reads-a', seq } });
    await dana.collect(isType('read_ack'), 6);
    expect(dana.frames.slice(acks).filter(isType('read_ack')).at(-1)!.data).toEqual({ room_id: 'reads-a', read_seq: 8, unread: 0 });
    // Five positions in well under a second: one receipt at once or at the end of the second, the latest one last.
    await carl.next((f) => f.type === 'read_receipt' && f.data['seq'] === 8, { timeoutMs: 3_000 });
    const receipts = ofType(carl, 'read_receipt', 'dana');
    expect(receipts.length).toBeLessThanOrEqual(3);
    expect(receipts.map((r) => r.data['seq'])).toEqual([...receipts.map((r) => r.data['seq'] as number)].sort((a, b) => a - b));

    dana.send({ type: 'mark_read', data: { room_id: 'reads-a', seq: 1 } });
    expect((await dana.next(isType('read_ack'), { from: dana.frames.length })).data).toEqual({ room_id: 'reads-a', read_seq: 8, unread: 0 });
    // A reader never gets their own receipt.
    await stillOpen(dana, 1);
    expect(ofType(dana, 'read_receipt')).toEqual([]);

    // Across a reconnect: the position is the user's, stored, and what came since is unread.
    dana.close();
    await dana.closed;
    for (const n of [9, 10]) await post(carl, 'reads-a', `m${n}`);
    const again = await joinAs('dana', 'reads-a', danaSession);
    expect(again.frames.find(isType('system_message', 'room_joined'))!.data).toMatchObject({ last_seq: 10, read_seq: 8, unread: 2 });
    expect(again.welcome).toMatchObject({ unread: { 'reads-a': 2 }, read_seq: { 'reads-a': 8 } });
    const listed = await fetch(`${stack.api.url}/api/rooms/`, { headers: { 'x-session-id': danaSession } });
    const rooms = ((await listed.json()) as { rooms: { room_id: string; unread?: number; read_seq?: number }[] }).rooms;
    expect(rooms.find((r) => r.room_id === 'reads-a')).toMatchObject({ read_seq: 8, unread: 2 });
  });

  it('who may: a private room the user may not enter is PERMISSION_DENIED, and nothing is published', async () => {
    const ownerSession = await sessionOf('olga');
    const created = await fetch(`${stack.api.url}/api/rooms/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': ownerSession },
      body: JSON.stringify({ room_id: 'reads-private', name: 'Private', visibility: 'private' }),
    });
    expect(created.status).toBe(201);
    const olga = await joinAs('olga', 'reads-private', ownerSession);
    const outsider = await connect(`${g.ws}/ws/chat/?session_id=${await sessionOf('mallory')}`);
    outsider.send({ type: 'mark_read', data: { room_id: 'reads-private', seq: 0 } });
    expect((await outsider.next(isError('PERMISSION_DENIED'))).data.details).toMatchObject({ room_id: 'reads-private' });
    outsider.send({ type: 'typing', data: { room_id: 'reads-private' } });
    expect((await outsider.next(isError('PERMISSION_DENIED'), { from: outsider.frames.length })).data.details).toMatchObject({ field: 'room_id' });
    await stillOpen(olga, 2);
    expect(ofType(olga, 'read_receipt')).toEqual([]);
    expect(ofType(olga, 'user_typing')).toEqual([]);
  });
});

describe('typing', () => {
  it('reaches the other members as user_typing, never the typist, and never history', async () => {
    await stack.rest('/api/rooms/', { room_id: 'typing-a', name: 'Typing A' });
    const erin = await joinAs('erin', 'typing-a');
    const finn = await joinAs('finn', 'typing-a');
    await post(erin, 'typing-a', 'before');
    erin.send({ type: 'typing', data: { room_id: 'typing-a' } });
    expect((await finn.next(isType('user_typing'))).data).toEqual({ room_id: 'typing-a', user_id: 'erin' });
    await post(erin, 'typing-a', 'after');
    await finn.collect(isType('text_message'), 2);
    await stillOpen(erin, 3);
    expect(ofType(erin, 'user_typing')).toEqual([]);

    const history = (await stack.rest<{ messages: { content: string; seq: number }[] }>('/api/rooms/typing-a/messages/')).body;
    expect(history.messages.map((m) => [m.seq, m.content])).toEqual([
      [1, 'before'],
      [2, 'after'],
    ]);
    // A catch-up from the start replays the two messages and nothing else.
    const late = await connect(`${g.ws}/ws/chat/?session_id=${await sessionOf('gus')}`);
    late.send({ type: 'join_room', data: { room_id: 'typing-a', since_seq: 0 } });
    await late.collect(isType('text_message'), 2);
    await stillOpen(late, 4);
    expect(late.frames.filter((f) => f.type !== 'heartbeat' && f.type !== 'system_message').map((f) => f.type)).toEqual(['text_message', 'text_message']);
  });

  it('a typing flood spends no chat tokens and delays no message: a full burst of sends is acked and delivered, one user_typing per 2 s', async () => {
    await stack.rest('/api/rooms/', { room_id: 'typing-b', name: 'Typing B' });
    const hana = await joinAs('hana', 'typing-b');
    const ivan = await joinAs('ivan', 'typing-b');
    const droppedBefore = await metric(/parley_gateway_ephemeral_dropped_total\{type="typing",reason="rate"[^}]*\} (\d+)/);
    for (let i = 0; i < 200; i++) hana.send({ type: 'typing', data: { room_id: 'typing-b' } });
    // The chat bucket is whole: WS_MESSAGE_BURST (20) sends in a row all pass.
    const ids = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    for (const id of ids) hana.sendText(`burst ${id}`, 'typing-b', { client_msg_id: id });
    for (let i = 0; i < 200; i++) hana.send({ type: 'typing', data: { room_id: 'typing-b' } });
    const acked = await hana.collect(isType('message_ack'), 20);
    expect(acked.map((a) => a.data['client_msg_id'])).toEqual(ids);
    expect(hana.frames.filter(isError('RATE_LIMIT_EXCEEDED'))).toEqual([]);
    const delivered = await ivan.collect(isType('text_message'), 20);
    expect(delivered.map((m) => m.data['client_msg_id'])).toEqual(ids);
    await stillOpen(ivan, 5);
    const typing = ofType(ivan, 'user_typing', 'hana');
    expect(typing.length).toBeGreaterThanOrEqual(1);
    expect(typing.length).toBeLessThanOrEqual(2);
    expect(await metric(/parley_gateway_ephemeral_dropped_total\{type="typing",reason="rate"[^}]*\} (\d+)/)).toBeGreaterThan(droppedBefore + 300);
  });
});

describe('typing abuse', () => {
  it('a sustained typing flood is still abuse: far past its own bucket (a strike per 100 refused) the socket is closed with 4429', async () => {
    await stack.rest('/api/rooms/', { room_id: 'typing-c', name: 'Typing C' });
    const jade = await joinAs('jade', 'typing-c');
    for (let i = 0; i < 5_000; i++) jade.send({ type: 'typing', data: { room_id: 'typing-c' } });
    const closed = await Promise.race([jade.closed, new Promise<{ code: number }>((r) => setTimeout(() => r({ code: 0 }), 5_000))]);
    expect(closed.code).toBe(CLOSE_CODES.RATE_LIMIT_ABUSE.code);
  });
});

describe('two lanes', () => {
  it('a socket that does not read loses ephemeral frames first (counted), and is closed only for durable backlog', async () => {
    const lanes = await gateway({ WS_EPHEMERAL_BUFFER_BYTES: '1024', WS_CLOSE_TIMEOUT_MS: '30000', WS_TYPING_ROOM_RATE_PER_SEC: '100000' });
    await stack.rest('/api/rooms/', { room_id: 'lanes', name: 'Lanes' });
    const open = async () => {
      const client = await connect(`${lanes.ws}/ws/chat/lanes/`);
      await client.next(isType('system_message', 'room_joined'));
      return client;
    };
    const slow = await open();
    const fast = await open();
    slow.ws.pause();
    let closedAt: number | undefined;
    let seq = 0;
    void slow.closed.then(() => (closedAt = seq));
    const drops = async () => {
      const text = await (await fetch(`${lanes.http}/metrics`)).text();
      return Number(text.match(/parley_gateway_ephemeral_dropped_total\{type="user_typing",reason="backpressure"[^}]*\} (\d+)/)?.[1] ?? 0);
    };
    let firstDropAt: number | undefined;
    const content = 'z'.repeat(4_000);
    for (seq = 1; seq <= 2_500 && closedAt === undefined; seq++) {
      stack.peer.publish(subjects.chatRoom('lanes'), {
        kind: 'message',
        message: {
          message_id: crypto.randomUUID(),
          room_id: 'lanes',
          seq,
          session_id: null,
          user_id: 'hose',
          content,
          client_msg_id: null,
          created_at: new Date().toISOString(),
        },
      });
      // A different typist each time, so pacing never drops one: only backpressure can.
      if (seq % 10 === 0) stack.peer.publish(subjects.chatRoom('lanes'), { kind: 'typing', room_id: 'lanes', user_id: `typist-${seq}`, at: Date.now() });
      if (seq % 100 === 0) {
        await fast.collect(isType('text_message'), seq, 30_000);
        if (firstDropAt === undefined && (await drops()) > 0) firstDropAt = seq;
      }
    }
    const published = seq - 1;
    expect(firstDropAt).toBeDefined();
    // Ephemeral frames were being dropped while the socket was still open: durable backlog closed it, later.
    expect(closedAt === undefined || closedAt > firstDropAt!).toBe(true);
    slow.ws.resume();
    expect((await slow.closed).code).toBe(1013);
    const typed = Math.floor(published / 10);
    expect(ofType(slow, 'user_typing').length).toBeLessThan(typed);
    // The reading member missed nothing of either lane.
    await fast.collect(isType('text_message'), published, 30_000);
    expect(ofType(fast, 'user_typing').length).toBeGreaterThan(typed * 0.9);
    expect(await drops()).toBeGreaterThan(0);
    await stillOpen(fast, 6);
  });
});
