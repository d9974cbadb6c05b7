import { describe, expect, it } from 'vitest';

import type { ReadState, TypingChange } from '../src/index.js';
import { eventually, startClient, startGateway } from './support/harness.js';
import { ManualTimers } from './support/manual-timers.js';

/** Read positions, unread counts and typing in the SDK, against the fake gateway (the real stack: services/gateway/test/reads.int.test.ts). */

describe('read positions', () => {
  it('unread and readSeq come with room_joined, grow with others’ live messages, and markRead() resolves on read_ack', async () => {
    const gateway = await startGateway();
    gateway.post('general', 'one');
    gateway.post('general', 'two');
    const { client } = startClient(gateway);
    const room = client.room('general');
    const reads: ReadState[] = [];
    room.on('read', (r) => reads.push(r));
    await client.connect();
    await room.join();
    expect([room.readSeq, room.unread]).toEqual([0, 2]);
    gateway.post('general', 'three');
    await eventually(() => expect(room.unread).toBe(3));
    await room.send('mine'); // one's own message is never unread
    expect(room.unread).toBe(3);
    await expect(room.markRead(2)).resolves.toEqual({ room_id: 'general', read_seq: 2, unread: 1 });
    expect([room.readSeq, room.unread]).toEqual([2, 1]);
    await expect(room.markRead()).resolves.toEqual({ room_id: 'general', read_seq: 4, unread: 0 });
    expect(gateway.latest.framesOf('mark_read').map((f) => f.data)).toEqual([
      { room_id: 'general', seq: 2 },
      { room_id: 'general', seq: 4 },
    ]);
    expect(reads.at(-1)).toEqual({ read_seq: 4, unread: 0 });
    await expect(room.markRead(-1)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('typing', () => {
  it('room.typing() sends at most one frame per 2.5 s; user_typing shows a typist until 6 s without a repeat or their message', async () => {
    const gateway = await startGateway();
    const timers = new ManualTimers();
    const { client } = startClient(gateway, { timers, timeoutMs: 60_000 });
    const room = client.room('general');
    const changes: TypingChange[] = [];
    room.on('typing', (c) => changes.push(c));
    room.typing(); // not joined yet: nothing
    const connected = client.connect();
    await eventually(() => expect(gateway.connections.length).toBe(1));
    await connected;
    const joined = room.join();
    await joined;
    room.typing();
    room.typing();
    room.typing();
    await eventually(() => expect(gateway.latest.framesOf('typing')).toHaveLength(1));
    expect(gateway.latest.framesOf('typing')[0]!.data).toEqual({ room_id: 'general' });

    gateway.latest.send('user_typing', { room_id: 'general', user_id: 'bob' });
    gateway.latest.send('user_typing', { room_id: 'general', user_id: 'bob' });
    await eventually(() => expect(room.typists()).toEqual(['bob']));
    timers.advance(5_999);
    expect(room.typists()).toEqual(['bob']);
    timers.advance(1);
    expect(room.typists()).toEqual([]);
    gateway.latest.send('user_typing', { room_id: 'general', user_id: 'carol' });
    await eventually(() => expect(room.typists()).toEqual(['carol']));
    gateway.post('general', 'done typing', 'carol');
    await eventually(() => expect(room.typists()).toEqual([]));
    expect(changes).toEqual([
      { user_id: 'bob', typing: true },
      { user_id: 'bob', typing: false },
      { user_id: 'carol', typing: true },
      { user_id: 'carol', typing: false },
    ]);
  });

  it('read_receipt reaches the room', async () => {
    const gateway = await startGateway();
    const { client } = startClient(gateway);
    const room = client.room('general');
    const receipts: unknown[] = [];
    room.on('read_receipt', (r) => receipts.push(r));
    await client.connect();
    await room.join();
    gateway.latest.send('read_receipt', { room_id: 'general', user_id: 'bob', seq: 3 });
    await eventually(() => expect(receipts).toEqual([{ room_id: 'general', user_id: 'bob', seq: 3 }]));
  });
});
