import { describe, expect, it } from 'vitest';
import { TokenBucket, takeAll } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then one token per 1/rate seconds, and says how long to wait', () => {
    const bucket = new TokenBucket(5, 3, 0);
    for (let i = 0; i < 3; i++) expect(takeAll([bucket], 0)).toBe(0);
    expect(takeAll([bucket], 0)).toBe(200);
    expect(takeAll([bucket], 100)).toBe(100);
    expect(takeAll([bucket], 200)).toBe(0);
    expect(takeAll([bucket], 10_000)).toBe(0);
    // Refill never exceeds the burst.
    for (let i = 0; i < 2; i++) expect(takeAll([bucket], 10_000)).toBe(0);
    expect(takeAll([bucket], 10_000)).toBeGreaterThan(0);
  });

  it('takes from every bucket or from none', () => {
    const connection = new TokenBucket(1, 5, 0);
    const user = new TokenBucket(1, 1, 0);
    expect(takeAll([connection, user], 0)).toBe(0);
    expect(takeAll([connection, user], 0)).toBe(1_000);
    // The refused frame did not cost the connection a token: 4 of 5 are left.
    for (let i = 0; i < 4; i++) expect(takeAll([connection], 0)).toBe(0);
    expect(takeAll([connection], 0)).toBe(1_000);
  });

  it('can be lowered below zero (a debt shared with other gateways) and refills through it', () => {
    const bucket = new TokenBucket(2, 4, 0);
    bucket.limitTo(10, 0); // never raised
    for (let i = 0; i < 4; i++) expect(takeAll([bucket], 0)).toBe(0);
    expect(takeAll([bucket], 0)).toBe(500);
    bucket.limitTo(-3, 0);
    // 3 tokens of debt plus the one to spend: 2 s at 2/s.
    expect(takeAll([bucket], 0)).toBe(2_000);
    expect(takeAll([bucket], 1_999)).toBe(1);
    expect(takeAll([bucket], 2_000)).toBe(0);
  });
});
