import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WriteBatch } from './write-batch.js';

/** A real ws server and client on loopback: the server side of the pair is what the gateway writes to. */
async function pair() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const [server] = (await once(wss, 'connection')) as [WebSocket];
  await once(client, 'open');
  const received: string[] = [];
  client.on('message', (data: Buffer) => received.push(data.toString()));
  return { server, client, received, close: () => (client.terminate(), new Promise((r) => wss.close(r))) };
}

type Pair = Awaited<ReturnType<typeof pair>>;
let open: Pair | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

const tcp = (ws: WebSocket) => (ws as unknown as { _socket: { writableCorked: number; writableLength: number } })._socket;

describe('WriteBatch', () => {
  it('holds a socket’s frames of one tick in its TCP buffer and sends them, in order, once the tick ends', async () => {
    open = await pair();
    const batch = new WriteBatch();
    for (const text of ['one', 'two', 'three']) {
      batch.hold(open.server);
      open.server.send(text);
    }
    // Still in the tick: nothing has reached the kernel yet.
    expect(tcp(open.server).writableCorked).toBe(1);
    expect(tcp(open.server).writableLength).toBeGreaterThan(0);
    await new Promise((r) => process.nextTick(r));
    expect(tcp(open.server).writableCorked).toBe(0);
    expect(tcp(open.server).writableLength).toBe(0);
    await expect.poll(() => open!.received).toEqual(['one', 'two', 'three']);
  });

  it('corks each socket once per tick, and again in the next tick', async () => {
    open = await pair();
    const batch = new WriteBatch();
    batch.hold(open.server);
    batch.hold(open.server);
    expect(tcp(open.server).writableCorked).toBe(1);
    await new Promise((r) => process.nextTick(r));
    expect(tcp(open.server).writableCorked).toBe(0);
    batch.hold(open.server);
    open.server.send('later');
    expect(tcp(open.server).writableCorked).toBe(1);
    await expect.poll(() => open!.received).toEqual(['later']);
  });
});
