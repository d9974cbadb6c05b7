import { describe, expect, it } from 'vitest';

import { contents, eventually, startClient, startGateway } from './support/harness.js';

describe('outbox', () => {
  it('resends an unacknowledged send with the same client_msg_id after a dropped connection', async () => {
    const gateway = await startGateway();
    gateway.onText = () => 'ignore'; // the first connection dies before the message is stored
    const { client, events } = startClient(gateway);
    await client.connect();
    await client.join('general');
    const sent = client.send('general', '  hello  ');
    await eventually(() => expect(gateway.latest.framesOf('text_message')).toHaveLength(1));
    const first = gateway.latest.framesOf('text_message')[0]?.data;

    gateway.onText = () => 'store';
    gateway.latest.terminate();
    const ack = await sent;
    const second = gateway.latest.framesOf('text_message')[0]?.data;
    expect(gateway.connections).toHaveLength(2);
    expect(second).toEqual(first);
    // Sent exactly as typed: the server stores content untrimmed.
    expect(first).toMatchObject({ content: '  hello  ', room_id: 'general' });
    expect(ack).toMatchObject({ client_msg_id: first?.client_msg_id, seq: 1, duplicate: false });
    await eventually(() => expect(contents(events, 'general')).toEqual(['  hello  ']));
  });

  it('resolves with the original seq when the message was stored but its ack was lost', async () => {
    const gateway = await startGateway();
    gateway.onText = () => 'store_no_ack';
    const { client, events } = startClient(gateway);
    await client.connect();
    await client.join('general');
    const sent = client.send('general', 'once');
    await eventually(() => expect(contents(events, 'general')).toEqual(['once']));

    gateway.onText = () => 'store';
    gateway.latest.terminate();
    expect(await sent).toMatchObject({ seq: 1, duplicate: true });
    expect(gateway.log.get('general')).toHaveLength(1);
    await eventually(() => expect(gateway.latest.framesOf('join_room')).toHaveLength(1));
    expect(contents(events, 'general')).toEqual(['once']);
  });

  it('queues sends made while disconnected and sends them, in order, after the welcome', async () => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    const acks = Promise.all(['a', 'b', 'c'].map((text) => client.send('general', text)));
    await client.connect();
    expect((await acks).map((a) => a.seq)).toEqual([1, 2, 3]);
    await eventually(() => expect(contents(events, 'general')).toEqual(['a', 'b', 'c']));
  });
});

describe('rooms: rejoin, gaps and duplicates', () => {
  it('rejoins every room with its last seq after a reconnect and delivers what it missed, once', async () => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    await client.connect();
    await client.join('general');
    await client.join('random');
    gateway.post('general', 'g1');
    gateway.post('random', 'r1');
    await eventually(() => expect(events.messages).toHaveLength(2));

    gateway.onConnect = () => 'silent'; // keep the client away while others talk
    gateway.latest.terminate();
    await eventually(() => expect(gateway.connections).toHaveLength(2));
    gateway.post('general', 'g2');
    gateway.post('general', 'g3');
    gateway.onConnect = () => 'welcome';
    gateway.latest.terminate();

    await eventually(() => expect(contents(events, 'general')).toEqual(['g1', 'g2', 'g3']));
    expect(gateway.latest.framesOf('join_room').map((f) => f.data)).toEqual([
      { room_id: 'general', since_seq: 1 },
      { room_id: 'random', since_seq: 1 },
    ]);
    gateway.post('general', 'g4');
    await eventually(() => expect(contents(events, 'general')).toEqual(['g1', 'g2', 'g3', 'g4']));
    expect(contents(events, 'random')).toEqual(['r1']);
    expect(client.lastSeq('general')).toBe(4);
  });

  it('detects a hole in a room seq, rejoins with since_seq and fills it in order', async () => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    await client.connect();
    await client.join('general');
    gateway.dropBroadcast = (_conn, message) => message.seq === 2;
    gateway.post('general', 'm1');
    gateway.post('general', 'm2');
    gateway.post('general', 'm3');

    await eventually(() => expect(contents(events, 'general')).toEqual(['m1', 'm2', 'm3']));
    expect(events.debug).toContainEqual({ kind: 'gap', room_id: 'general', expected: 2, got: 3 });
    expect(gateway.latest.framesOf('join_room').map((f) => f.data)).toEqual([{ room_id: 'general' }, { room_id: 'general', since_seq: 1 }]);
    expect(gateway.connections).toHaveLength(1);
  });

  it('delivers each (room, seq) once when the server replays or repeats messages', async () => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    await client.connect();
    await client.join('general');
    const m1 = gateway.post('general', 'm1');
    const m2 = gateway.post('general', 'm2');
    gateway.latest.send('text_message', m1);
    gateway.latest.send('text_message', m2);
    gateway.post('general', 'm3');

    await eventually(() => expect(contents(events, 'general')).toEqual(['m1', 'm2', 'm3']));
    expect(events.debug.filter((d) => d.kind === 'duplicate')).toEqual([
      { kind: 'duplicate', room_id: 'general', seq: 1 },
      { kind: 'duplicate', room_id: 'general', seq: 2 },
    ]);
  });

  it('join with sinceSeq replays history first; leave drops the room', async () => {
    const gateway = await startGateway();
    gateway.post('general', 'old1');
    gateway.post('general', 'old2');
    const { client, events } = startClient(gateway);
    await client.connect();
    expect(await client.join('general', { sinceSeq: 0 })).toMatchObject({ room_id: 'general', last_seq: 2 });
    await eventually(() => expect(contents(events, 'general')).toEqual(['old1', 'old2']));

    await client.leave('general');
    expect(client.rooms()).toEqual([]);
    gateway.latest.rooms.add('general'); // a broadcast already on its way when the leave landed
    gateway.post('general', 'late');
    await eventually(() => expect(events.debug).toContainEqual({ kind: 'not_member', room_id: 'general', seq: 3 }));
    expect(contents(events, 'general')).toEqual(['old1', 'old2']);
  });

  it('reports presence changes as presence and system events', async () => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    await client.connect();
    gateway.latest.send('system_message', { action: 'user_joined', user_id: 'bob', room_id: 'general' });
    gateway.latest.send('system_message', { action: 'user_left', user_id: 'bob', room_id: 'general' });
    await eventually(() =>
      expect(events.presence).toEqual([
        { kind: 'joined', user_id: 'bob', room_id: 'general' },
        { kind: 'left', user_id: 'bob', room_id: 'general' },
      ]),
    );
    expect(events.system.map((s) => s.action)).toEqual(['welcome', 'user_joined', 'user_left']);
  });
});
