import { describe, expect, it } from 'vitest';

import { BusHandlerError } from '../src/errors.js';
import { instrumentBus, type BusOutcome } from '../src/instrument.js';
import { createMemoryBroker } from '../src/memory-broker.js';
import { createMemoryBus, type MemoryBus } from '../src/memory.js';
import { describeBusContract } from './bus.contract.js';
import { echo } from './helpers.js';

const ignore = { onRequest: () => undefined, onServe: () => undefined };

// The wrapper must not change a single guarantee of the bus it wraps.
describeBusContract('instrumented memory', async () => {
  const broker = createMemoryBroker();
  const buses: MemoryBus[] = [];
  const raw = createMemoryBus({ broker });
  return {
    makeBus: async (options) => {
      const bus = createMemoryBus({ broker, ...options });
      buses.push(bus);
      return instrumentBus(bus, ignore);
    },
    publishRaw: async (wireSubject, data) => raw.injectRaw(wireSubject, data),
    close: async () => {
      await Promise.all(buses.map((b) => b.drain()));
    },
  };
});

describe('instrumentBus', () => {
  it('reports each request and each served request with its subject, duration and outcome', async () => {
    const seen: { side: string; subject: string; seconds: number; outcome: BusOutcome }[] = [];
    const observer = (side: string) => (subject: string, seconds: number, outcome: BusOutcome) => void seen.push({ side, subject, seconds, outcome });
    const broker = createMemoryBroker();
    const server = instrumentBus(createMemoryBus({ broker }), { onRequest: observer('client'), onServe: observer('server') });
    const client = instrumentBus(createMemoryBus({ broker }), { onRequest: observer('client'), onServe: observer('server') });
    await server.serve(echo, async ({ text }) => {
      if (text === 'no') throw new BusHandlerError({ error_code: 'NOPE', error_message: 'refused' });
      await new Promise((r) => setTimeout(r, 20));
      return { text };
    }).ready;

    await expect(client.request(echo, { text: 'hi' }, { timeoutMs: 1_000 })).resolves.toEqual({ text: 'hi' });
    await expect(client.request(echo, { text: 'no' }, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'remote' });

    expect(seen.map(({ side, subject, outcome }) => `${side} ${subject} ${outcome}`)).toEqual([
      'server svc.echo ok',
      'client svc.echo ok',
      'server svc.echo rejected',
      'client svc.echo remote',
    ]);
    expect(seen[0]!.seconds).toBeGreaterThanOrEqual(0.015);
    expect(seen[1]!.seconds).toBeGreaterThanOrEqual(seen[0]!.seconds);
    await Promise.all([server.drain(), client.drain()]);
  });

  it('times a handler that answers or throws synchronously as one that returns a promise', async () => {
    const seen: string[] = [];
    const broker = createMemoryBroker();
    const server = instrumentBus(createMemoryBus({ broker }), {
      onRequest: () => undefined,
      onServe: (subject, seconds, outcome) => void seen.push(`${subject} ${outcome}`),
    });
    const client = createMemoryBus({ broker });
    await server.serve(echo, ({ text }) => {
      if (text === 'no') throw new BusHandlerError({ error_code: 'NOPE', error_message: 'refused' });
      if (text === 'bug') throw new Error('boom');
      return { text };
    }).ready;

    await expect(client.request(echo, { text: 'hi' }, { timeoutMs: 1_000 })).resolves.toEqual({ text: 'hi' });
    await expect(client.request(echo, { text: 'no' }, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'remote', remote: { error_code: 'NOPE' } });
    await expect(client.request(echo, { text: 'bug' }, { timeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'remote',
      remote: { error_code: 'INTERNAL_ERROR' },
    });

    expect(seen).toEqual(['svc.echo ok', 'svc.echo rejected', 'svc.echo error']);
    await Promise.all([server.drain(), client.drain()]);
  });
});
