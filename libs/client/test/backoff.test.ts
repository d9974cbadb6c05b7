import { describe, expect, it } from 'vitest';

import { DEFAULT_BACKOFF, backoffDelay } from '../src/index.js';
import { ReconnectSchedule, backoffBounds } from '../src/backoff.js';

const TOP = 0.999_999_9; // the largest value a `random()` returns, near enough

describe('backoffDelay', () => {
  it('stays within [minMs, maxMs] for every attempt and every random value', () => {
    for (let attempt = 0; attempt < 60; attempt++) {
      for (const r of [0, 0.25, 0.5, 0.75, TOP]) {
        const delay = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
        expect(delay).toBeGreaterThanOrEqual(500);
        expect(delay).toBeLessThanOrEqual(20_000);
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('doubles its ceiling with each attempt until maxMs', () => {
    const ceilings = Array.from({ length: 8 }, (_, attempt) => backoffDelay(attempt, DEFAULT_BACKOFF, () => TOP));
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000, 20_000]);
  });

  it('uses full jitter: the whole range from minMs to the ceiling', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(500);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(500 + Math.floor(0.5 * 7_501));
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => TOP)).toBe(8_000);
    // Even the first retry is spread, so a crowd dropped at once does not return at once.
    expect(new Set([0, 0.3, 0.6, 0.9].map((r) => backoffDelay(0, DEFAULT_BACKOFF, () => r))).size).toBe(4);
  });

  it('honours configured bounds', () => {
    const bounds = backoffBounds({ minMs: 100, maxMs: 300 });
    expect([0, 1, 2, 9].map((a) => backoffDelay(a, bounds, () => TOP))).toEqual([200, 300, 300, 300]);
  });

  it('rejects bounds that make no sense', () => {
    expect(() => backoffBounds({ minMs: 0 })).toThrow(RangeError);
    expect(() => backoffBounds({ minMs: 1_000, maxMs: 999 })).toThrow(RangeError);
    expect(() => backoffBounds({ maxMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(backoffBounds({ minMs: 30_000 })).toEqual({ minMs: 30_000, maxMs: 30_000 });
  });
});

describe('ReconnectSchedule', () => {
  it('grows per failed attempt, starts over after reset, and lets a hint replace one delay', () => {
    const schedule = new ReconnectSchedule(DEFAULT_BACKOFF, () => TOP);
    expect([schedule.next(), schedule.next(), schedule.next()]).toEqual([1_000, 2_000, 4_000]);
    expect(schedule.attempt).toBe(3);
    schedule.reset();
    expect(schedule.next()).toBe(1_000);
    schedule.hint(42);
    expect(schedule.next()).toBe(42);
    expect(schedule.next()).toBe(4_000);
  });
});
