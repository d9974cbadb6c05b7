import { MessagesPageSchema, type MessageState } from '@parley/protocol';
import { isError, isType, serviceUrl, startServiceProcess, type Frame, type ServiceProcess, type TestSocket } from '@parley/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayTestbed, type ApiStack, type TestGateway } from './stack.js';

const bed = new GatewayTestbed('events');
let stack: ApiStack;
let secondApi: ServiceProcess;
let a: TestGateway;
let doomed: ServiceProcess | undefined;

const DURABLE = new Set(['text_message', 'message_edited', 'message_deleted', 'reaction_added', 'reaction_removed']);
const isDurable = (room: string) => (f: Frame) => DURABLE.has(f.type) && f.data['room_id'] === room;

beforeAll(async () => {
  stack = await bed.start();
  // A second api instance on the same database and subjects: appends and catch-up are served by either.
  secondApi = await startServiceProcess('api', {
    env: {
      DATABASE_URL: stack.db.url,
      NATS_URL: serviceUrl('nats'),
      BUS_SUBJECT_PREFIX: stack.prefix,
      REDIS_URL: serviceUrl('redis'),
      REDIS_KEY_PREFIX: stack.prefix,
    },
  });
  a = await bed.gateway();
});
afterAll(async () => {
  await doomed?.stop('SIGKILL');
  await secondApi?.stop();
  await bed.close();
});

/** A gateway process (so it can be SIGTERMed) on the stack's subjects. */
const gatewayProcess = () =>
  startServiceProcess('gateway', {
    env: {
      NATS_URL: serviceUrl('nats'),
      BUS_SUBJECT_PREFIX: stack.prefix,
      REDIS_URL: serviceUrl('redis'),
      REDIS_KEY_PREFIX: stack.prefix,
      RECONNECT_JITTER_MS: '0',
    },
  });

/** Sends a durable-event frame and waits for its `event_ack`. */
async function act(client: TestSocket, type: string, data: Record<string, unknown>): Promise<Frame> {
  const client_msg_id = `${type}-${Math.random().toString(36).slice(2, 10)}`;
  client.send({ type, data: { ...data, client_msg_id } });
  return client.next((f) => f.type === 'event_ack' && f.data['client_msg_id'] === client_msg_id);
}
async function post(client: TestSocket, room: string, content: string): Promise<Frame> {
  const client_msg_id = `m-${Math.random().toString(36).slice(2, 10)}`;
  client.sendText(content, room, { client_msg_id });
  return client.next((f) => f.type === 'message_ack' && f.data['client_msg_id'] === client_msg_id);
}

/** The state of each message after applying durable frames in order, as any client would. */
function reduce(frames: Frame[]) {
  const state = new Map<string, { content: string; deleted: boolean; edited: boolean; reactions: Map<string, Set<string>> }>();
  for (const { type, data } of frames) {
    const id = data['message_id'] as string;
    if (type === 'text_message') {
      state.set(id, { content: data['content'] as string, deleted: !!data['deleted_at'], edited: !!data['edited_at'], reactions: new Map() });
      continue;
    }
    const m = state.get(id)!;
    const emoji = data['emoji'] as string;
    if (type === 'message_edited') Object.assign(m, { content: data['content'], edited: true });
    if (type === 'message_deleted') Object.assign(m, { content: '', deleted: true, reactions: new Map() });
    if (type === 'reaction_added') m.reactions.set(emoji, new Set([...(m.reactions.get(emoji) ?? []), data['user_id'] as string]));
    if (type === 'reaction_removed') m.reactions.get(emoji)?.delete(data['user_id'] as string);
  }
  return new Map(
    [...state].map(([id, m]) => [
      id,
      { content: m.content, deleted: m.deleted, edited: m.edited, counts: [...m.reactions].filter(([, u]) => u.size > 0).map(([e, u]) => [e, u.size]) },
    ]),
  );
}
const pageState = (messages: MessageState[]) =>
  new Map(
    messages.map((m) => [
      m.message_id,
      { content: m.content, deleted: m.deleted_at !== null, edited: m.edited_at !== null, counts: m.reactions.map((r) => [r.emoji, r.count]) },
    ]),
  );

describe('durable events across two gateways and two api instances', () => {
  it('arrive live with their seq, survive a gateway SIGTERM and a since_seq reconnect with nothing lost or doubled, and replay to the state of the history page', async () => {
    expect((await stack.rest('/api/rooms/', { room_id: 'evts', name: 'Events' })).status).toBe(201);
    const alice = await bed.connect(`${a.ws}/ws/chat/evts/`);
    doomed = await gatewayProcess();
    const bobFirst = await bed.connect(`${doomed.url.replace('http', 'ws')}/ws/chat/evts/`);
    await Promise.all([alice, bobFirst].map((c) => c.next(isType('system_message', 'room_joined'))));

    const m1 = (await post(alice, 'evts', 'frist')).data['message_id'];
    const edit = await act(alice, 'edit_message', { room_id: 'evts', message_id: m1, content: 'first' });
    expect(edit.data).toMatchObject({ type: 'message_edited', message_id: m1, seq: 2, duplicate: false });
    await act(bobFirst, 'add_reaction', { room_id: 'evts', message_id: m1, emoji: '👍' });
    const m2 = (await post(bobFirst, 'evts', 'oops')).data['message_id'];
    await act(bobFirst, 'delete_message', { room_id: 'evts', message_id: m2 });
    // Who may: bob may not edit alice's message, nor touch one that is not there.
    bobFirst.send({ type: 'edit_message', data: { room_id: 'evts', message_id: m1, content: 'mine' } });
    expect((await bobFirst.next(isError('PERMISSION_DENIED'))).data['details']).toMatchObject({ room_id: 'evts' });
    bobFirst.send({ type: 'delete_message', data: { room_id: 'evts', message_id: m2 } });
    expect((await bobFirst.next(isError('VALIDATION_ERROR'))).data['details']).toMatchObject({ field: 'message_id' });

    const live = await bobFirst.collect(isDurable('evts'), 5);
    expect(live.map((f) => [f.type, f.data['seq']])).toEqual([
      ['text_message', 1],
      ['message_edited', 2],
      ['reaction_added', 3],
      ['text_message', 4],
      ['message_deleted', 5],
    ]);
    expect((await alice.collect(isDurable('evts'), 5)).map((f) => f.data['seq'])).toEqual([1, 2, 3, 4, 5]);

    // The gateway goes away (SIGTERM: reconnect hint, 1012); alice goes on meanwhile, on the other gateway.
    expect(doomed.child.kill('SIGTERM')).toBe(true);
    expect((await bobFirst.closed).code).toBe(1012);
    const seen = bobFirst.frames.filter(isDurable('evts'));
    const lastSeq = Math.max(...seen.map((f) => f.data['seq'] as number));
    await act(alice, 'edit_message', { room_id: 'evts', message_id: m1, content: 'first!' });
    const m3 = (await post(alice, 'evts', 'third')).data['message_id'];
    await act(alice, 'add_reaction', { room_id: 'evts', message_id: m3, emoji: '🎉' });
    await act(alice, 'add_reaction', { room_id: 'evts', message_id: m1, emoji: '👍' });
    await act(alice, 'remove_reaction', { room_id: 'evts', message_id: m1, emoji: '👍' });

    const bob = await bed.connect(`${a.ws}/ws/chat/?session_id=${bobFirst.sessionId}`);
    bob.send({ type: 'join_room', data: { room_id: 'evts', since_seq: lastSeq } });
    expect((await bob.next(isType('system_message', 'room_joined'))).data).toMatchObject({ last_seq: 10 });
    await bob.collect(isDurable('evts'), 5);
    await act(alice, 'delete_message', { room_id: 'evts', message_id: m1 });
    const after = await bob.collect(isDurable('evts'), 6);
    const all = [...seen, ...after];
    expect(all.map((f) => f.data['seq'])).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(after.map((f) => f.type)).toEqual(['message_edited', 'text_message', 'reaction_added', 'reaction_added', 'reaction_removed', 'message_deleted']);
    // Replays are addressed to bob alone and carry no other session's id.
    for (const f of after) expect(f.session_id).toBe(bob.sessionId);
    expect(JSON.stringify(after)).not.toContain(alice.sessionId);

    const page = await stack.rest<unknown>('/api/rooms/evts/messages/?limit=100');
    expect(reduce(all)).toEqual(pageState(MessagesPageSchema.parse(page.body).messages));
    // And a client that replays the whole log from REST gets there too.
    const log = (await stack.rest<{ events: Frame[] }>('/api/rooms/evts/events/?since_seq=0')).body.events;
    expect(reduce(log)).toEqual(reduce(all));
  });

  it('fill a hole left by an event lost on the bus from the log, before what follows it', async () => {
    expect((await stack.rest('/api/rooms/', { room_id: 'lossy', name: 'Lossy' })).status).toBe(201);
    const sender = await bed.connect(`${a.ws}/ws/chat/lossy/`);
    const member = await bed.connect(`${a.ws}/ws/chat/lossy/`);
    await Promise.all([sender, member].map((c) => c.next(isType('system_message', 'room_joined'))));
    const m1 = (await post(sender, 'lossy', 'one')).data['message_id'];
    await member.collect(isDurable('lossy'), 1);
    // Stored but never broadcast, as when NATS drops the at-most-once publish.
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      await db.query(`INSERT INTO room_events (room_id, seq, type, message_id, user_id, emoji) VALUES ('lossy', 2, 'reaction_added', $1, 'ghost', '👻')`, [m1]);
      await db.query(`UPDATE rooms SET last_seq = 2 WHERE room_id = 'lossy'`);
    } finally {
      await db.end();
    }
    await act(sender, 'edit_message', { room_id: 'lossy', message_id: m1, content: 'one!' });
    const frames = await member.collect(isDurable('lossy'), 3);
    expect(frames.map((f) => [f.type, f.data['seq'], f.data['emoji'] ?? f.data['content']])).toEqual([
      ['text_message', 1, 'one'],
      ['reaction_added', 2, '👻'],
      ['message_edited', 3, 'one!'],
    ]);
    expect(frames[1]!.session_id).toBe(member.sessionId);
  });
});
