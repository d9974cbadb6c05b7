import { describe, expect, it, vi } from 'vitest';
import type { ComponentStatus } from '@parley/protocol';
import { checkWithTimeout } from '../src/index.js';

describe('checkWithTimeout', () => {
  it('is healthy when the check resolves with nothing', async () => {
    await expect(checkWithTimeout('db', async () => {}, 1_000)).resolves.toBe('healthy');
  });

  it('passes through the status the check reports', async () => {
    await expect(checkWithTimeout('db', async () => 'degraded' as const, 1_000)).resolves.toBe('degraded');
    await expect(checkWithTimeout('db', () => 'unhealthy', 1_000)).resolves.toBe('unhealthy');
  });

  it('is unhealthy when the check throws or rejects, and reports why', async () => {
    const onFailure = vi.fn();
    const boom = new Error('ECONNREFUSED');
    await expect(
      checkWithTimeout(
        'redis',
        () => {
          throw boom;
        },
        1_000,
        { onFailure },
      ),
    ).resolves.toBe('unhealthy');
    await expect(checkWithTimeout('redis', () => Promise.reject(boom), 1_000, { onFailure })).resolves.toBe('unhealthy');
    expect(onFailure).toHaveBeenCalledTimes(2);
    expect(onFailure).toHaveBeenCalledWith({ name: 'redis', reason: 'error', error: boom });
  });

  it('times out a check that never settles, and aborts its signal', async () => {
    const onFailure = vi.fn();
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const status = await checkWithTimeout(
      'nats',
      (signal) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      50,
      { onFailure },
    );
    expect(status).toBe('unhealthy');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(seen?.aborted).toBe(true);
    expect(onFailure).toHaveBeenCalledExactlyOnceWith({ name: 'nats', reason: 'timeout' });
  });

  it('ignores a result that arrives after the deadline', async () => {
    const onFailure = vi.fn();
    const late = new Promise<ComponentStatus>((resolve) => setTimeout(() => resolve('healthy'), 80));
    await expect(checkWithTimeout('slow', () => late, 20, { onFailure })).resolves.toBe('unhealthy');
    await late;
    expect(onFailure).toHaveBeenCalledTimes(1);
  });

  it('never rejects, even when the failure reporter throws or the check returns garbage', async () => {
    const onFailure = () => {
      throw new Error('logger down');
    };
    await expect(checkWithTimeout('x', () => Promise.reject(new Error('no')), 1_000, { onFailure })).resolves.toBe('unhealthy');
    await expect(checkWithTimeout('x', () => 'ok' as unknown as ComponentStatus, 1_000)).resolves.toBe('unhealthy');
  });
});
