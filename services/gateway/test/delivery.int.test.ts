import { subjects } from '@parley/bus';
import { ServerMessageSchema } from '@parley/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isError, isType, texts } from '@parley/testing';
import { GatewayTestbed, type ApiStack, type TestGateway } from './stack.js';

const bed = new GatewayTestbed('delivery');
let stack: ApiStack;
let a: TestGateway;
let b: TestGateway;

const connect = (gateway: TestGateway, path = '/ws/chat/') => bed.connect(`${gateway.ws}${path}`);

async function createRoom(roomId: string): Promise<void> {
  const created = await stack.rest('/api/rooms/', { room_id: roomId, name: roomId });
  expect(created.status).toBe(201);
}

beforeAll(async () => {
  stack = await bed.start();
  [a, b] = await Promise.all([bed.gateway(), bed.gateway()]);
});
afterAll(bed.close);

describe('connecting', () => {
  it('welcomes a guest with a real session, the heartbeat interval and the limits in force', async () => {
    const client = await connect(a);
    const welcome = client.frames[0]!;
    expect(ServerMessageSchema.safeParse(welcome).success).toBe(true);
    expect(welcome).toMatchObject({ type: 'system_message', metadata: { version: '1.0', source: 'server' } });
    expect(welcome.data).toMatchObject({ action: 'welcome', rooms: [], heartbeat_interval_ms: 25_000 });
    expect(welcome.data['limits']).toMatchObject({ max_frame_bytes: 65_536, message_rate_per_sec: 5, message_burst: 20 });
    expect(welcome.session_id).toBe(welcome.data['session_id']);
    const session = await stack.rest<{ user_id: string; status: string }>(`/api/sessions/${client.sessionId}/`);
    expect(session.body).toMatchObject({ user_id: welcome.data['user_id'], status: 'active' });
  });

  it('joins the room of /ws/chat/{room_id}/ on connect and answers heartbeats with the same sequence', async () => {
    const client = await connect(a, '/ws/chat/general/');
    expect(client.welcome['rooms']).toEqual(['general']);
    expect((await client.next(isType('system_message', 'room_joined'))).data).toMatchObject({ room_id: 'general' });
    client.send({ type: 'heartbeat', timestamp: Date.now(), data: { sequence: 42 } });
    expect((await client.next(isType('heartbeat'))).data).toEqual({ sequence: 42 });
  });

  it('resumes a session by session_id and rejoins its REST-joined rooms', async () => {
    await createRoom('resume');
    const session = await stack.rest<{ session_id: string }>('/api/sessions/', { user_id: 'resumer' });
    expect((await stack.rest('/api/rooms/resume/join/', { session_id: session.body.session_id })).status).toBe(200);
    const client = await connect(b, `/ws/chat/?session_id=${session.body.session_id}`);
    expect(client.welcome).toMatchObject({ session_id: session.body.session_id, user_id: 'resumer', rooms: ['resume'] });
  });
});

describe('delivery across gateways', () => {
  it('delivers a message sent on gateway A to members on gateway B, not to non-members, and acks the sender after it is stored', async () => {
    await createRoom('cross');
    const sender = await connect(a);
    const member = await connect(b);
    const outsider = await connect(b);
    member.send({ type: 'join_room', data: { room_id: 'cross' } });
    await member.next(isType('system_message', 'room_joined'));

    sender.sendText('hello across', 'cross', { client_msg_id: 'm-1' });
    const ack = await sender.next(isType('message_ack'));
    expect(ack.data).toMatchObject({ client_msg_id: 'm-1', room_id: 'cross', seq: 1, duplicate: false });
    const delivered = await member.next(isType('text_message'));
    expect(delivered.data).toMatchObject({ content: 'hello across', room_id: 'cross', seq: 1, client_msg_id: 'm-1', message_id: ack.data['message_id'] });
    expect(delivered.data).not.toHaveProperty('session_id');
    expect(delivered.session_id).toBe(member.sessionId);
    expect(ServerMessageSchema.safeParse(delivered).success).toBe(true);
    // The sender joined by sending (the seed's clients never join) and receives the broadcast too.
    await sender.next(isType('text_message'));
    const history = await stack.rest<{ messages: { content: string }[] }>('/api/rooms/cross/messages/');
    expect(history.body.messages.map((m) => m.content)).toEqual(['hello across']);

    // A frame the outsider would have got by now, had it been delivered to it.
    outsider.send({ type: 'heartbeat', data: { sequence: 1 } });
    await outsider.next(isType('heartbeat'));
    expect(texts(outsider, 'cross')).toHaveLength(0);
  });

  it('encodes a broadcast once per gateway, whatever the number of local members', async () => {
    await createRoom('encode-once');
    const members = await Promise.all(Array.from({ length: 5 }, () => connect(b, '/ws/chat/encode-once/')));
    await Promise.all(members.map((m) => m.next(isType('system_message', 'room_joined'))));
    const encoded = async () =>
      Number(/parley_gateway_broadcasts_encoded_total\{[^}]*\} (\d+)/.exec(await (await fetch(`${b.http}/metrics`)).text())?.[1] ?? 0);
    const before = await encoded();
    const sender = await connect(a);
    sender.sendText('one encoding', 'encode-once');
    const frames = await Promise.all(members.map((m) => m.next(isType('text_message'))));
    expect(await encoded()).toBe(before + 1);
    // One encoding, addressed to each member: the frames differ only in the recipient's session id.
    expect(new Set(frames.map((f) => JSON.stringify({ ...f, session_id: undefined }))).size).toBe(1);
    expect(frames.map((f) => f.session_id)).toEqual(members.map((m) => m.sessionId));
  });

  it('stores and delivers a client_msg_id sent twice once, and acks the retry as a duplicate', async () => {
    await createRoom('dedupe');
    const sender = await connect(a);
    const member = await connect(b, '/ws/chat/dedupe/');
    await member.next(isType('system_message', 'room_joined'));
    sender.sendText('only once', 'dedupe', { client_msg_id: 'retry-1' });
    sender.sendText('only once', 'dedupe', { client_msg_id: 'retry-1' });
    const acks = await sender.collect(isType('message_ack'), 2);
    expect(acks.map((f) => f.data['duplicate'])).toEqual([false, true]);
    expect(acks[1]!.data['message_id']).toBe(acks[0]!.data['message_id']);
    sender.sendText('after', 'dedupe', { client_msg_id: 'retry-2' });
    await member.collect(isType('text_message'), 2);
    expect(texts(member, 'dedupe').map((f) => [f.data['content'], f.data['seq']])).toEqual([
      ['only once', 1],
      ['after', 2],
    ]);
    const history = await stack.rest<{ messages: unknown[] }>('/api/rooms/dedupe/messages/');
    expect(history.body.messages).toHaveLength(2);
  });

  it('pushes a REST join to the live socket of that session', async () => {
    await createRoom('restjoin');
    const client = await connect(b);
    const joined = await stack.rest('/api/rooms/restjoin/join/', { session_id: client.sessionId });
    expect(joined.status).toBe(200);
    expect((await client.next(isType('system_message', 'room_joined'))).data).toMatchObject({ room_id: 'restjoin' });
    const sender = await connect(a);
    sender.sendText('to the REST joiner', 'restjoin');
    expect((await client.next(isType('text_message'))).data).toMatchObject({ content: 'to the REST joiner', room_id: 'restjoin' });
    await stack.rest('/api/rooms/restjoin/leave/', { session_id: client.sessionId });
    await client.next(isType('system_message', 'room_left'));
  });

  it('disconnects the live sockets of a session closed over REST with AUTHENTICATION_ERROR and 4401', async () => {
    const session = await stack.rest<{ session_id: string }>('/api/sessions/', { user_id: 'closing' });
    const onA = await connect(a, `/ws/chat/?session_id=${session.body.session_id}`);
    const onB = await connect(b, `/ws/chat/?session_id=${session.body.session_id}`);
    const closed = await fetch(`${stack.api.url}/api/sessions/${session.body.session_id}/`, { method: 'DELETE' });
    expect(closed.status).toBe(204);
    for (const client of [onA, onB]) {
      await client.next(isError('AUTHENTICATION_ERROR'));
      expect((await client.closed).code).toBe(4401);
    }
  });

  it('recovers what was missed with since_seq: history first, in seq order, no duplicates, then live traffic', async () => {
    await createRoom('recover');
    const sender = await connect(a);
    const first = await connect(b, '/ws/chat/recover/');
    await first.next(isType('system_message', 'room_joined'));
    for (let i = 1; i <= 3; i++) sender.sendText(`m${i}`, 'recover', { client_msg_id: `r${i}` });
    await first.collect(isType('text_message'), 3);
    first.close();
    await first.closed;
    // Missed while away.
    for (let i = 4; i <= 8; i++) sender.sendText(`m${i}`, 'recover', { client_msg_id: `r${i}` });
    await sender.collect(isType('message_ack'), 8);

    const back = await connect(b);
    back.send({ type: 'join_room', data: { room_id: 'recover', since_seq: 3 } });
    expect((await back.next(isType('system_message', 'room_joined'))).data).toMatchObject({ last_seq: 8 });
    await back.collect(isType('text_message'), 5);
    sender.sendText('m9', 'recover', { client_msg_id: 'r9' });
    await back.collect(isType('text_message'), 6);
    expect(texts(back, 'recover').map((f) => f.data['seq'])).toEqual([4, 5, 6, 7, 8, 9]);
    expect(texts(back, 'recover').map((f) => f.data['content'])).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
  });

  it('fills a hole in live traffic (a broadcast lost on the bus) from history before what follows it', async () => {
    await createRoom('holes');
    const sender = await connect(a);
    const member = await connect(b, '/ws/chat/holes/');
    await member.next(isType('system_message', 'room_joined'));
    sender.sendText('one', 'holes');
    await member.collect(isType('text_message'), 1);
    const holesBefore = await liveHoles(b.http);
    // Stored but never broadcast, as when NATS drops the at-most-once publish.
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      await db.query(`INSERT INTO messages (room_id, seq, session_id, user_id, content) VALUES ('holes', 2, $1, $2, 'two, never broadcast')`, [
        sender.sessionId,
        sender.welcome['user_id'],
      ]);
      await db.query(`UPDATE rooms SET last_seq = 2 WHERE room_id = 'holes'`);
    } finally {
      await db.end();
    }
    sender.sendText('three', 'holes');
    await member.collect(isType('text_message'), 3);
    expect(texts(member, 'holes').map((f) => [f.data['seq'], f.data['content']])).toEqual([
      [1, 'one'],
      [2, 'two, never broadcast'],
      [3, 'three'],
    ]);
    // The replayed message is addressed to this connection alone: it carries the recipient's session id.
    expect(texts(member, 'holes')[1]!.session_id).toBe(member.sessionId);
    const metrics = await (await fetch(`${b.http}/metrics`)).text();
    expect(metrics).toMatch(/parley_gateway_messages_out_total\{path="replay".*\} [1-9]/);
    // Seen once by the gateway, however many members held it.
    expect((await liveHoles(b.http)) - holesBefore).toBe(1);
  });

  it('turns presence system events on a room subject into system_message frames for its members', async () => {
    const member = await connect(b, '/ws/chat/general/');
    await member.next(isType('system_message', 'room_joined'));
    stack.peer.publish(subjects.chatRoom('general'), { kind: 'system', action: 'user_joined', user_id: 'someone', room_id: 'general', at: Date.now() });
    expect((await member.next(isType('system_message', 'user_joined'))).data).toEqual({ action: 'user_joined', user_id: 'someone', room_id: 'general' });
  });

  it('answers a text_message to a room that does not exist with ROOM_NOT_FOUND', async () => {
    const client = await connect(a);
    client.sendText('anyone?', 'no-such-room', { client_msg_id: 'x1' });
    const error = await client.next(isError('ROOM_NOT_FOUND'));
    expect(error.data['details']).toMatchObject({ room_id: 'no-such-room', client_msg_id: 'x1' });
    expect(error.session_id).toBe(client.sessionId);
  });
});

async function liveHoles(http: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  return Number(/^parley_gateway_live_holes_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? NaN);
}
