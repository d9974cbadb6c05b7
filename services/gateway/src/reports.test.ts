import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendSpread } from './reports.js';

// Fake timers: what is checked is the schedule (which batch goes out at which instant), not speed.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function recorder() {
  const sent: { batch: number; at: number }[] = [];
  const start = Date.now();
  return { sent, send: (batch: number) => (sent.push({ batch, at: Date.now() - start }), true) };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('sendSpread', () => {
  it('sends every batch in order, 10 ms apart, the first at once', async () => {
    const { sent, send } = recorder();
    const done = sendSpread(4, 5_000, () => false, send);
    expect(sent).toEqual([{ batch: 0, at: 0 }]);
    await vi.advanceTimersByTimeAsync(30);
    await done;
    expect(sent).toEqual([
      { batch: 0, at: 0 },
      { batch: 1, at: 10 },
      { batch: 2, at: 20 },
      { batch: 3, at: 30 },
    ]);
  });

  it('packs the batches closer so the whole report takes at most half the interval', async () => {
    const { sent, send } = recorder();
    const done = sendSpread(100, 1_000, () => false, send);
    await vi.advanceTimersByTimeAsync(500);
    await done;
    expect(sent.map((s) => s.batch)).toEqual(range(100));
    expect(sent.at(-1)!.at).toBeLessThanOrEqual(500);
    expect(sent[1]!.at).toBe(5);
  });

  it('sends back to back, one per event-loop turn, when there is no time to spread over', async () => {
    const { sent, send } = recorder();
    const done = sendSpread(3, 0, () => false, send);
    expect(sent).toHaveLength(1);
    await vi.runAllTimersAsync();
    await done;
    expect(sent).toEqual(range(3).map((batch) => ({ batch, at: 0 })));
  });

  it('sends the rest back to back once told to hurry', async () => {
    const { sent, send } = recorder();
    let hurry = false;
    const done = sendSpread(5, 5_000, () => hurry, send);
    await vi.advanceTimersByTimeAsync(10);
    expect(sent).toHaveLength(2);
    hurry = true;
    await vi.advanceTimersByTimeAsync(10); // the pause already started ends; no new one begins
    await vi.runAllTimersAsync();
    await done;
    // 10 ms apart until then; the last two follow at once (a fake turn of the event loop is ~1 ms).
    const at = sent.map((s) => s.at);
    expect(at.slice(0, 3)).toEqual([0, 10, 20]);
    expect(at[4]! - at[2]!).toBeLessThan(5);
  });

  it('stops at the first batch that is refused', async () => {
    const seen: number[] = [];
    const done = sendSpread(
      3,
      0,
      () => false,
      (batch) => (seen.push(batch), batch < 1),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(seen).toEqual([0, 1]);
  });
});
