import { describe, expect, it } from 'vitest';

import { errorData, type ChatMessage } from '@parley/protocol';

import { Requests } from '../src/requests.js';
import { RoomTracker } from '../src/rooms.js';

const send = (id: string) => ({ content: 'x', room_id: 'general', client_msg_id: id });
const settled = (p: Promise<unknown>) =>
  Promise.race([
    p.then(
      () => 'resolved',
      () => 'rejected',
    ),
    new Promise((r) => setTimeout(() => r('pending'), 5)),
  ]);

describe('Requests: matching an error to its request', () => {
  it('prefers details.client_msg_id, then details.room_id, then the only request in flight', async () => {
    const requests = new Requests();
    const a = requests.addSend(send('a'));
    const b = requests.addSend(send('b'));
    requests.sentSend('a');
    requests.sentSend('b');
    const join = requests.addJoin('random');
    requests.sentJoin('random');

    expect(requests.fail(errorData('VALIDATION_ERROR', 'bad', { client_msg_id: 'b' }), false)).toEqual({
      kind: 'send',
      clientMsgId: 'b',
    });
    expect(requests.fail(errorData('ROOM_NOT_FOUND', 'no', { room_id: 'random' }), false)).toEqual({
      kind: 'join',
      roomId: 'random',
    });
    // Only "a" is left in flight, but an unanswered heartbeat makes the error ambiguous.
    expect(requests.fail(errorData('INTERNAL_ERROR', 'oops'), true)).toBeUndefined();
    expect(requests.fail(errorData('INTERNAL_ERROR', 'oops'), false)).toEqual({ kind: 'send', clientMsgId: 'a' });
    expect(await Promise.all([settled(a), settled(b), settled(join)])).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('counts each join frame in flight, so a second join for a room keeps errors ambiguous', () => {
    const requests = new Requests();
    requests.addSend(send('a'));
    requests.sentSend('a');
    requests.sentJoin('general'); // the user's join
    requests.sentJoin('general'); // a gap rejoin
    requests.joined({ action: 'room_joined', room_id: 'general', last_seq: 0 });
    expect(requests.fail(errorData('INTERNAL_ERROR', 'oops'), false)).toBeUndefined();
  });

  it('keeps sends across a disconnect (to resend them) and settles leaves', async () => {
    const requests = new Requests();
    const sent = requests.addSend(send('a'));
    requests.sentSend('a');
    const left = requests.addLeave('general');
    requests.sentLeave('general');
    expect(requests.unsent()).toEqual([]);
    requests.disconnected();
    expect(requests.unsent()).toEqual([send('a')]);
    expect(await settled(left)).toBe('resolved');
    expect(await settled(sent)).toBe('pending');
  });
});

describe('RoomTracker', () => {
  const msg = (seq: number): ChatMessage => ({
    message_id: '6f1c2b7e-3d4a-4b5c-8d9e-0a1b2c3d4e5f',
    room_id: 'general',
    seq,
    user_id: 'bob',
    content: `m${seq}`,
    client_msg_id: null,
    created_at: '2024-01-01T00:00:00Z',
    timestamp: 1_704_067_200_000,
  });

  it('asks for a replay once per gap until the rejoin is answered', () => {
    const rooms = new RoomTracker();
    rooms.track('general');
    rooms.joined('general', 4);
    expect(rooms.accept(msg(5))).toEqual({ action: 'deliver' });
    expect(rooms.accept(msg(7))).toEqual({ action: 'gap', expected: 6, rejoin: { room_id: 'general', since_seq: 5 } });
    expect(rooms.accept(msg(8))).toEqual({ action: 'gap', expected: 6, rejoin: undefined });
    rooms.joined('general', 8);
    expect(rooms.accept(msg(6))).toEqual({ action: 'deliver' });
    expect(rooms.accept(msg(5))).toEqual({ action: 'duplicate' });
    expect(rooms.lastSeq('general')).toBe(6);
  });

  it('asks again after a failed rejoin, and drops a room refused for good', () => {
    const rooms = new RoomTracker();
    rooms.track('general', 0);
    expect(rooms.accept(msg(2))).toMatchObject({ action: 'gap', rejoin: { since_seq: 0 } });
    rooms.joinFailed('general', false);
    expect(rooms.accept(msg(3))).toMatchObject({ action: 'gap', rejoin: { since_seq: 0 } });
    rooms.joinFailed('general', true);
    expect(rooms.accept(msg(1))).toEqual({ action: 'untracked' });
  });

  it('rejoins with since_seq where a position is known, and skips rooms the welcome already joined', () => {
    const rooms = new RoomTracker();
    rooms.track('general');
    rooms.track('random', 3);
    rooms.track('lobby');
    expect(rooms.rejoinAll(['lobby'])).toEqual([{ room_id: 'general' }, { room_id: 'random', since_seq: 3 }]);
  });
});
