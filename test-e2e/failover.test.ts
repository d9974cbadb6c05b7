import { TestSocket } from '@parley/testing';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ apis: 2, gateways: 2, presences: 1 });
});
afterAll(async () => {
  await stack?.close();
});

const newSession = async (user_id: string) => {
  const res = await stack.rest<{ session_id: string }>('POST', '/api/sessions/', { user_id });
  expect(res.status).toBe(201);
  return res.body.session_id;
};

describe('the local edge when an instance dies (GATEWAYS=2 npm start)', () => {
  it('after SIGKILL of one gateway, every new connection through the edge succeeds, and the gateway comes back', async () => {
    const [victim] = stack.of('gateway');
    const sessions = await Promise.all(Array.from({ length: 12 }, (_, i) => newSession(`after-kill-${i}`)));
    const killed = victim!.child;
    killed.kill('SIGKILL');
    await once(killed, 'exit');
    // At once, before any health check could notice: each connection must still get its welcome.
    for (const session of sessions) {
      const socket = await TestSocket.connect(`${stack.wsUrl}?session_id=${session}`);
      expect(socket.welcome).toMatchObject({ session_id: session });
      socket.close();
      await socket.closed;
    }
    // The supervisor restarts it on the same port; the edge sends it traffic again.
    await expect.poll(() => victim!.restarts, { timeout: 60_000, interval: 200 }).toBe(1);
    expect(victim!.child).not.toBe(killed);
    expect((await fetch(`${victim!.url}/readyz`)).status).toBe(200);
  }, 90_000);

  it('after SIGKILL of one api instance, every REST request through the edge succeeds', async () => {
    const [victim] = stack.of('api');
    const killed = victim!.child;
    killed.kill('SIGKILL');
    await once(killed, 'exit');
    for (let i = 0; i < 12; i++) {
      const res = await stack.rest('GET', '/api/rooms/general/');
      expect(res.status).toBe(200);
    }
    await expect.poll(() => victim!.restarts, { timeout: 60_000, interval: 200 }).toBe(1);
  }, 90_000);
});
