import { afterEach, describe, expect, it, vi } from 'vitest';

import { connectNats } from '../src/connect.js';
import { createNatsBus } from '../src/nats.js';
import type { Bus, BusStatusEvent } from '../src/types.js';
import { capturingLogger, numbers } from './helpers.js';
import { serviceUrl, startTcpProxy, uniqueId, type TcpProxy } from '@parley/testing';

/**
 * The research finding this guards: nats.js gives up after 10 reconnect attempts and stays
 * closed. Outages are made with a proxy in front of the shared server; the server itself is never
 * stopped. Only the timing is shortened; the reconnect policy is connectNats's default.
 */
describe('connectNats reconnect policy (real NATS behind a flaky proxy)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(extra: { maxReconnectAttempts?: number } = {}) {
    const proxy = await startTcpProxy(serviceUrl('nats'));
    cleanups.push(() => proxy.close());
    const nc = await connectNats({
      servers: proxy.url,
      name: uniqueId('reconnect'),
      reconnectTimeWait: 20,
      reconnectJitter: 0,
      ...extra,
    });
    cleanups.push(() => nc.close());
    return { proxy, nc };
  }

  async function outage(proxy: TcpProxy, failedAttempts: number): Promise<void> {
    proxy.refuse = true;
    proxy.cut();
    await vi.waitFor(() => expect(proxy.refused).toBeGreaterThanOrEqual(failedAttempts), { timeout: 10_000, interval: 10 });
  }

  it('keeps reconnecting past the nats.js default of 10 attempts, and the bus recovers', async () => {
    const { proxy, nc } = await setup();
    const bus: Bus = createNatsBus(nc, { logger: capturingLogger(), subjectPrefix: uniqueId('rc') });
    cleanups.push(() => bus.drain());
    const events: BusStatusEvent['type'][] = [];
    bus.onStatus((e) => events.push(e.type));
    const got: number[] = [];
    await bus.subscribe(numbers, ({ n }) => void got.push(n)).ready;

    await outage(proxy, 25);
    expect(nc.isClosed()).toBe(false);
    expect(bus.isConnected()).toBe(false);
    expect(events).toContain('disconnected');

    proxy.refuse = false;
    await vi.waitFor(() => expect(bus.isConnected()).toBe(true), { timeout: 10_000, interval: 10 });
    expect(events).toContain('reconnected');
    // The subscription made before the outage was restored by the client.
    await nc.flush();
    bus.publish(numbers, { n: 1 });
    await vi.waitFor(() => expect(got).toEqual([1]), { timeout: 5_000 });
  });

  it('control: with the nats.js default of 10 attempts the same outage closes the connection for good', async () => {
    const { proxy, nc } = await setup({ maxReconnectAttempts: 10 });
    const closed: Promise<void | Error> = nc.closed();
    await outage(proxy, 1);
    const outcome = Promise.race([closed.then(() => 'closed'), sleepMs(10_000).then(() => 'still open')]);
    await expect(outcome).resolves.toBe('closed');
    expect(nc.isClosed()).toBe(true);
  });
});

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
