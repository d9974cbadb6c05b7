import { describe, expect, it, vi } from 'vitest';

import { createMemoryBroker } from '../src/memory-broker.js';
import { createMemoryBus, type MemoryBus } from '../src/memory.js';
import type { BusStatusEvent } from '../src/types.js';
import { describeBusContract } from './bus.contract.js';
import { capturingLogger, numbers } from './helpers.js';

describeBusContract('memory', async () => {
  const broker = createMemoryBroker();
  const buses: MemoryBus[] = [];
  const raw = createMemoryBus({ broker });
  return {
    makeBus: async (options) => {
      const bus = createMemoryBus({ broker, ...options });
      buses.push(bus);
      return bus;
    },
    publishRaw: async (wireSubject, data) => raw.injectRaw(wireSubject, data),
    close: async () => {
      await Promise.all(buses.map((b) => b.drain()));
    },
  };
});

describe('memory bus extras', () => {
  it('never runs a handler inside publish()', async () => {
    const bus = createMemoryBus();
    const got: number[] = [];
    await bus.subscribe(numbers, ({ n }) => void got.push(n)).ready;
    bus.publish(numbers, { n: 1 });
    expect(got).toEqual([]);
    await vi.waitFor(() => expect(got).toEqual([1]));
  });

  it('keeps buses on different brokers apart', async () => {
    const [a, b] = [createMemoryBus(), createMemoryBus()];
    const got: number[] = [];
    await b.subscribe(numbers, ({ n }) => void got.push(n)).ready;
    a.publish(numbers, { n: 1 });
    b.publish(numbers, { n: 2 });
    await vi.waitFor(() => expect(got).toEqual([2]));
  });

  it('injectRaw delivers unvalidated bytes on a logical subject (poison-message tests)', async () => {
    const logger = capturingLogger();
    const bus = createMemoryBus({ subjectPrefix: 'p', logger });
    const got: number[] = [];
    await bus.subscribe(numbers, ({ n }) => void got.push(n)).ready;
    bus.injectRaw('t.numbers', '{"n":"nope"}');
    bus.injectRaw('t.numbers', '{"n":3}');
    await vi.waitFor(() => expect(got).toEqual([3]));
    expect(logger.count('warn', 'dropped invalid message')).toBe(1);
  });

  it('setConnected reports status changes; a throwing listener is logged and ignored', () => {
    const logger = capturingLogger();
    const bus = createMemoryBus({ logger });
    const events: BusStatusEvent[] = [];
    bus.onStatus(() => {
      throw new Error('listener bug');
    });
    const stop = bus.onStatus((e) => events.push(e));
    expect(bus.isConnected()).toBe(true);
    bus.setConnected(false);
    bus.setConnected(false); // no change, no event
    expect(bus.isConnected()).toBe(false);
    bus.setConnected(true);
    stop();
    bus.setConnected(false);
    expect(events).toEqual([{ type: 'disconnected' }, { type: 'reconnected' }]);
    expect(logger.count('error', 'status listener failed')).toBe(3);
  });
});
