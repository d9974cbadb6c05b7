import type { NatsConnection } from '@nats-io/transport-node';
import { describe, expect, it, vi } from 'vitest';

import { connectNats } from '../src/connect.js';
import { BusClosedError } from '../src/errors.js';
import { createNatsBus } from '../src/nats.js';
import type { Bus } from '../src/types.js';
import { describeBusContract } from './bus.contract.js';
import { capturingLogger, echo, numbers } from './helpers.js';
import { serviceUrl, uniqueId } from '@parley/testing';

describeBusContract('nats', async () => {
  const servers = serviceUrl('nats');
  const connections: NatsConnection[] = [];
  const buses: Bus[] = [];
  const open = async (): Promise<NatsConnection> => {
    const nc = await connectNats({ servers, name: uniqueId('bus-contract') });
    connections.push(nc);
    return nc;
  };
  const raw = await open();
  return {
    makeBus: async (options) => {
      const bus = createNatsBus(await open(), options);
      buses.push(bus);
      return bus;
    },
    publishRaw: async (wireSubject, data) => {
      raw.publish(wireSubject, data);
      await raw.flush();
    },
    close: async () => {
      await Promise.all(buses.map((b) => b.drain()));
      await Promise.all(connections.map((nc) => nc.close()));
    },
  };
});

describe('nats bus when its connection is closed by its owner', () => {
  it('ends subscriptions, reports closed, and fails requests as disconnected', async () => {
    const nc = await connectNats({ servers: serviceUrl('nats'), name: uniqueId('owner-close') });
    const bus = createNatsBus(nc, { logger: capturingLogger(), subjectPrefix: uniqueId('oc') });
    const events: string[] = [];
    bus.onStatus((e) => events.push(e.type));
    const sub = bus.subscribe(numbers, () => {});
    await sub.ready;
    await nc.close();
    await sub.closed;
    await vi.waitFor(() => expect(events).toContain('closed'));
    expect(bus.isConnected()).toBe(false);
    await expect(bus.request(echo, { text: 'x' }, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'disconnected' });
    expect(() => bus.publish(numbers, { n: 1 })).toThrow(BusClosedError);
    await bus.drain(); // still safe
  });
});
