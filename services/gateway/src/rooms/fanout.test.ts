import { createLogger } from '@parley/observability';
import type { RoomEvent } from '@parley/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GatewayMetrics } from '../health/metrics.js';
import type { RoomSubscriptions } from './subscriptions.js';
import type { Connection } from '../ws/connection.js';
import { createFanout } from './fanout.js';

/** A member as fanout sees it: open, with a stream for the room that is admitted or still being checked. */
function member(admitted: boolean, userId = 'zed') {
  const sent: { type: string; data: unknown }[] = [];
  const conn = {
    userId,
    sessionId: '11111111-1111-1111-1111-111111111111',
    isOpen: () => true,
    rooms: new Map([['vault', { admitted }]]),
    sendEphemeral: (frame: Buffer) => void sent.push(JSON.parse(frame.toString()) as { type: string; data: unknown }),
  };
  return { conn: conn as unknown as Connection, sent };
}

const dropped: unknown[] = [];
const metrics = { broadcasts: { inc() {} }, ephemeralDropped: { inc: (labels: unknown) => void dropped.push(labels) } } as unknown as GatewayMetrics;
const logger = createLogger({ service: 'gateway', level: 'silent' });
const fanoutOf = (...conns: Connection[]) => createFanout({ members: () => new Set(conns) } as unknown as RoomSubscriptions, metrics, logger);

const joined: RoomEvent = { kind: 'system', action: 'user_joined', user_id: 'ann', room_id: 'vault', at: Date.now() };
const typing = (user_id: string): RoomEvent => ({ kind: 'typing', user_id, room_id: 'vault', at: Date.now() });
const read = (user_id: string, seq: number): RoomEvent => ({ kind: 'read', user_id, seq, room_id: 'vault', at: Date.now() });

afterEach(() => {
  vi.useRealTimers();
  dropped.length = 0;
});

describe('fanout of ephemeral events', () => {
  it('presence reaches admitted members only, never a connection whose join is still being checked', () => {
    const admitted = member(true);
    const checking = member(false);
    fanoutOf(admitted.conn, checking.conn)('vault', joined);
    expect(admitted.sent.map((f) => f.data)).toEqual([{ action: 'user_joined', user_id: 'ann', room_id: 'vault' }]);
    expect(checking.sent).toEqual([]);
  });

  it('typing reaches the other members, not the typist’s own sockets, at most once per user per 2 s', () => {
    vi.useFakeTimers();
    const ann = member(true, 'ann');
    const bob = member(true, 'bob');
    const fanout = fanoutOf(ann.conn, bob.conn);
    fanout('vault', typing('ann'));
    fanout('vault', typing('ann'));
    vi.advanceTimersByTime(1_999);
    fanout('vault', typing('ann'));
    expect(bob.sent).toEqual([{ type: 'user_typing', data: { room_id: 'vault', user_id: 'ann' } }].map((f) => expect.objectContaining(f)));
    vi.advanceTimersByTime(1);
    fanout('vault', typing('ann'));
    expect(bob.sent).toHaveLength(2);
    expect(ann.sent).toEqual([]);
    expect(dropped).toEqual([
      { type: 'user_typing', reason: 'paced' },
      { type: 'user_typing', reason: 'paced' },
    ]);
  });

  it('at most 10 typists of one room at once, then 5 a second, reach a member', () => {
    vi.useFakeTimers();
    const bob = member(true, 'bob');
    const fanout = fanoutOf(bob.conn);
    for (let i = 0; i < 30; i++) fanout('vault', typing(`t${i}`));
    expect(bob.sent).toHaveLength(10);
    vi.advanceTimersByTime(1_000);
    for (let i = 30; i < 60; i++) fanout('vault', typing(`t${i}`));
    expect(bob.sent).toHaveLength(15);
  });

  it('read receipts are coalesced to one per user per second, and the latest is delivered when the second ends', () => {
    vi.useFakeTimers();
    const ann = member(true, 'ann');
    const bob = member(true, 'bob');
    const fanout = fanoutOf(ann.conn, bob.conn);
    for (const seq of [3, 4, 5, 6]) fanout('vault', read('ann', seq));
    fanout('vault', read('bob', 2));
    expect(bob.sent.map((f) => f.data)).toEqual([{ room_id: 'vault', user_id: 'ann', seq: 3 }]);
    vi.advanceTimersByTime(999);
    expect(bob.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(bob.sent.map((f) => f.data)).toEqual([
      { room_id: 'vault', user_id: 'ann', seq: 3 },
      { room_id: 'vault', user_id: 'ann', seq: 6 },
    ]);
    expect(ann.sent.map((f) => f.data)).toEqual([{ room_id: 'vault', user_id: 'bob', seq: 2 }]);
  });
});
