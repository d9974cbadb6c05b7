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
});
