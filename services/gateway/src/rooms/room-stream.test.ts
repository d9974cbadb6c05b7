import type { Logger } from '@parley/observability';
import type { ChatMessage, EventsPage, LogEntry } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { HistorySource } from './history.js';
import { BroadcastFrame } from './broadcast-frame.js';
import { RoomStream, type StreamSink } from './room-stream.js';

const SESSION = '11111111-1111-4111-8111-111111111111';
const silent = { warn: () => undefined } as unknown as Logger;

function message(seq: number): ChatMessage {
  return {
    message_id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    room_id: 'r',
    seq,
    user_id: 'u',
    content: `m${seq}`,
    client_msg_id: null,
    created_at: new Date(0).toISOString(),
    timestamp: 0,
  };
}

/** Every third entry of the log is a durable event (a reaction), the rest messages: catch-up treats them alike. */
function entry(seq: number): LogEntry {
  if (seq % 3 !== 0) return { type: 'text_message', data: message(seq) };
  const { message_id, room_id, user_id, client_msg_id, created_at, timestamp } = message(seq - 1);
  return {
    type: 'reaction_added',
    data: { event_id: message(seq).message_id, message_id, room_id, seq, user_id, client_msg_id, created_at, timestamp, emoji: '👍' },
  };
}

/** A history holding seqs 1..`stored`, whose pages resolve when the test says so. */
function fakeHistory(stored: () => number, { failures = 0 } = {}) {
  const calls: number[] = [];
  let failuresLeft = failures;
  const source: HistorySource = {
    async after(_room, afterSeq, limit): Promise<EventsPage> {
      calls.push(afterSeq);
      await new Promise((r) => setTimeout(r, 1));
      if (failuresLeft-- > 0) throw new Error('unreachable');
      const events: LogEntry[] = [];
      for (let s = afterSeq + 1; s <= Math.min(stored(), afterSeq + limit); s++) events.push(entry(s));
      return { events, has_more: afterSeq + limit < stored() };
    },
  };
  return { source, calls };
}

function sink() {
  const seqs: number[] = [];
  const paths: string[] = [];
  const s: StreamSink = {
    sessionId: SESSION,
    isOpen: () => true,
    deliver(frame, path) {
      const text = typeof frame === 'string' ? frame : frame.for(SESSION).toString();
      const parsed = JSON.parse(text) as { session_id: string; data: { seq: number } };
      expect(parsed.session_id).toBe(SESSION);
      seqs.push(parsed.data.seq);
      paths.push(path);
    },
  };
  return { s, seqs, paths };
}

const frame = (seq: number) => {
  const e = entry(seq);
  return e.type === 'text_message' ? BroadcastFrame.encode('text_message', e.data) : BroadcastFrame.encode('reaction_added', e.data as never);
};
const settle = () => new Promise((r) => setTimeout(r, 60));

describe('RoomStream', () => {
  it('holds live frames until started, then delivers those after the room last seq, in order', async () => {
    const { s, seqs } = sink();
    const stream = new RoomStream('r', s, { history: fakeHistory(() => 12).source, logger: silent, maxReplay: 1_000, holeGraceMs: 0 });
    stream.offer(12, frame(12));
    stream.offer(11, frame(11));
    stream.offer(10, frame(10));
    expect(seqs).toEqual([]);
    stream.start(10);
    expect(seqs).toEqual([11, 12]);
    stream.offer(12, frame(12));
    stream.offer(13, frame(13));
    expect(seqs).toEqual([11, 12, 13]);
  });

  it('fills a hole in live traffic from history before releasing what came after it', async () => {
    let stored = 5;
    const history = fakeHistory(() => stored);
    const { s, seqs, paths } = sink();
    const stream = new RoomStream('r', s, { history: history.source, logger: silent, maxReplay: 1_000, holeGraceMs: 0 });
    stream.start(2);
    stored = 7;
    stream.offer(6, frame(6)); // 3..5 were lost on the bus
    stream.offer(7, frame(7));
    await settle();
    expect(seqs).toEqual([3, 4, 5, 6, 7]);
    expect(paths).toEqual(['replay', 'replay', 'replay', 'live', 'live']);
  });

  it('reads a lost tail from history when a room head is ahead, and ignores heads it has reached', async () => {
    const history = fakeHistory(() => 4);
    const { s, seqs, paths } = sink();
    const stream = new RoomStream('r', s, { history: history.source, logger: silent, maxReplay: 1_000, holeGraceMs: 30 });
    stream.start(2);
    stream.head(2);
    await settle();
    expect(history.calls).toEqual([]);
    stream.head(4); // 3 and 4 were lost on the bus, nothing live follows them
    await settle();
    expect(seqs).toEqual([3, 4]);
    expect(paths).toEqual(['replay', 'replay']);
    stream.head(4);
    stream.offer(4, frame(4));
    await settle();
    expect(seqs).toEqual([3, 4]);
    expect(history.calls).toEqual([2]);
  });

  it('a head that arrives during a hole grace is still filled once the grace ends', async () => {
    const history = fakeHistory(() => 6);
    const { s, seqs } = sink();
    const stream = new RoomStream('r', s, { history: history.source, logger: silent, maxReplay: 1_000, holeGraceMs: 30 });
    stream.start(1);
    stream.offer(3, frame(3)); // holds 3, waits for 2
    stream.head(6);
    stream.offer(2, frame(2)); // the late one arrives: the hole closes, 4..6 are still missing
    await settle();
    expect(seqs).toEqual([2, 3, 4, 5, 6]);
  });

  it('waits a moment for a message published out of order before reading history', async () => {
    const history = fakeHistory(() => 4);
    const { s, seqs, paths } = sink();
    const stream = new RoomStream('r', s, { history: history.source, logger: silent, maxReplay: 1_000, holeGraceMs: 30 });
    stream.start(1);
    stream.offer(3, frame(3));
    stream.offer(4, frame(4));
    stream.offer(2, frame(2));
    await settle();
    expect(seqs).toEqual([2, 3, 4]);
    expect(paths).toEqual(['live', 'live', 'live']);
    expect(history.calls).toEqual([]);
  });

  it('replays after since_seq page by page, then live frames that arrived meanwhile, without duplicates', async () => {
    let stored = 250;
    const history = fakeHistory(() => stored);
    const { s, seqs } = sink();
    const stream = new RoomStream('r', s, { history: history.source, logger: silent, maxReplay: 1_000, holeGraceMs: 0 });
    stream.start(250, 20);
    stored = 252;
    stream.offer(251, frame(251));
    stream.offer(250, frame(250));
    stream.offer(252, frame(252));
    // Three pages of history: on a loaded machine that takes longer than one settle.
    await expect.poll(() => seqs.length).toBeGreaterThanOrEqual(232);
    await settle();
    expect(seqs).toEqual(Array.from({ length: 232 }, (_, i) => i + 21));
    expect(history.calls).toEqual([20, 120, 220]);
  });

  it('replays only the newest maxReplay messages of a long gap', async () => {
    const history = fakeHistory(() => 500);
    const { s, seqs } = sink();
    const stream = new RoomStream('r', s, { history: history.source, logger: silent, maxReplay: 50, holeGraceMs: 0 });
    stream.start(500, 0);
    await settle();
    expect(seqs[0]).toBe(451);
    expect(seqs.at(-1)).toBe(500);
    expect(seqs).toHaveLength(50);
  });

  it('retries history, and when it stays unreachable delivers live traffic with the hole', async () => {
    const history = fakeHistory(() => 10, { failures: 10 });
    const { s, seqs } = sink();
    const stream = new RoomStream('r', s, { history: history.source, logger: silent, maxReplay: 1_000, holeGraceMs: 0 });
    stream.start(3);
    stream.offer(6, frame(6));
    stream.offer(7, frame(7));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(seqs).toEqual([6, 7]);
    stream.offer(8, frame(8));
    expect(seqs).toEqual([6, 7, 8]);
  });

  it('stops delivering once the connection left the room', async () => {
    const history = fakeHistory(() => 100);
    const { s, seqs } = sink();
    const stream = new RoomStream('r', s, { history: history.source, logger: silent, maxReplay: 1_000, holeGraceMs: 0 });
    stream.start(100, 0);
    stream.stop();
    await settle();
    expect(seqs).toEqual([]);
  });
});
