import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayTestbed, stillOpen, type TestGateway } from './stack.js';

/**
 * What an open socket keeps alive (the gateway README, "Where the memory goes"): nothing of its
 * HTTP upgrade once it is welcomed.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const bed = new GatewayTestbed('retention');
let g: TestGateway;

beforeAll(async () => {
  await bed.start();
  g = await bed.gateway();
});
afterAll(bed.close);

/** Collects garbage until `ref` is gone (a WeakRef read in a turn keeps its target for that turn). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() === undefined;
}

describe('an open socket', () => {
  it('keeps neither its upgrade request (headers, fastify request and reply, their logger) nor its stopped idle timer', async () => {
    const upgrades: { request: WeakRef<IncomingMessage>; timer: WeakRef<object> | undefined }[] = [];
    const onUpgrade = (request: IncomingMessage, socket: Socket) => {
      // Node's slot for the idle timer the server's connectionTimeout starts on every socket.
      const slot = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'timeout');
      const timer = slot === undefined ? undefined : ((socket as unknown as Record<symbol, object | undefined>)[slot] ?? undefined);
      upgrades.push({ request: new WeakRef(request), timer: timer && new WeakRef(timer) });
    };
    g.app.server.on('upgrade', onUpgrade);
    try {
      const client = await bed.connect(`${g.ws}/ws/chat/`);
      expect(upgrades).toHaveLength(1);
      const [{ request, timer }] = upgrades as [(typeof upgrades)[number]];
      expect(timer, 'the server starts an idle timer on every socket').toBeDefined();
      expect(await collected(request), 'the upgrade request is still reachable').toBe(true);
      expect(await collected(timer!), 'the stopped idle timer is still reachable').toBe(true);
      await stillOpen(client, 1);
    } finally {
      g.app.server.off('upgrade', onUpgrade);
    }
  });

  it('still has its protocol errors counted (its socket hands them to its connection)', async () => {
    const client = await bed.connect(`${g.ws}/ws/chat/`);
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await client.closed).code).toBe(1007);
    const metrics = await (await fetch(`${g.http}/metrics`)).text();
    expect(metrics).toMatch(/parley_gateway_server_closes_total\{reason="WS_ERR_INVALID_UTF8"[^}]*\} 1/);
  });
});
