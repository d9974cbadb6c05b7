import { describe, expect, it } from 'vitest';

import { NATS_CONNECTION_DEFAULTS, natsConnectionOptions } from './connect.js';

describe('natsConnectionOptions', () => {
  it('reconnects forever, ~1 s apart with jitter, pings every 20 s (2 missed = stale), and captures no stack per request', () => {
    const options = natsConnectionOptions({ servers: 'nats://127.0.0.1:4222', name: 'gateway-1' });
    expect(options).toMatchObject({
      servers: 'nats://127.0.0.1:4222',
      name: 'gateway-1',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      pingInterval: 20_000,
      maxPingOut: 2,
      waitOnFirstConnect: false,
      noAsyncTraces: true,
    });
    expect(options.reconnectJitter).toBeGreaterThan(0);
  });

  it('lets the caller choose waitOnFirstConnect and override any default explicitly', () => {
    const options = natsConnectionOptions({ servers: ['a:4222'], name: 'x', waitOnFirstConnect: true, pingInterval: 5_000 });
    expect(options.waitOnFirstConnect).toBe(true);
    expect(options.pingInterval).toBe(5_000);
    expect(options.maxReconnectAttempts).toBe(-1);
  });

  it('cannot be mutated by accident', () => {
    expect(Object.isFrozen(NATS_CONNECTION_DEFAULTS)).toBe(true);
  });
});
