import { describe, expect, it } from 'vitest';

import { NATS_CONNECTION_DEFAULTS, natsConnectionOptions, natsServers } from './connect.js';

describe('natsConnectionOptions', () => {
  it('reconnects forever, ~1 s apart with jitter, pings every 20 s (2 missed = stale), and captures no stack per request', () => {
    const options = natsConnectionOptions({ servers: 'nats://127.0.0.1:4222', name: 'gateway-1' });
    expect(options).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
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

  it('hands nats.js a comma-separated NATS_URL as a list of servers (it would read the string as one address)', () => {
    expect(natsConnectionOptions({ servers: 'nats://n1:4222, nats://n2:4222,,nats://n3:4222 ', name: 'x' }).servers).toEqual([
      'nats://n1:4222',
      'nats://n2:4222',
      'nats://n3:4222',
    ]);
    expect(natsServers(['a:4222,b:4222', 'c:4222'])).toEqual(['a:4222', 'b:4222', 'c:4222']);
  });

  it('cannot be mutated by accident', () => {
    expect(Object.isFrozen(NATS_CONNECTION_DEFAULTS)).toBe(true);
  });
});
