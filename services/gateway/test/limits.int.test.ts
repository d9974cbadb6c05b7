import { subjects } from '@parley/bus';
import { randomUUID } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isError, isType } from '@parley/testing';
import { GatewayTestbed, stillOpen, type ApiStack } from './stack.js';

/** Limits on rate, rooms, liveness, reading speed and slow handshakes: each enforced as documented. */

const bed = new GatewayTestbed('limits');
const { gateway, connect } = bed;
let stack: ApiStack;

beforeAll(async () => {
  stack = await bed.start();
});
afterAll(bed.close);

describe('limits', () => {
  it('rate-limits a flood with RATE_LIMIT_EXCEEDED and retry_after_ms, then closes sustained abuse with 4429', async () => {
    const limited = await gateway({ WS_MESSAGE_RATE_PER_SEC: '1', WS_MESSAGE_BURST: '3', WS_RATE_LIMIT_STRIKES: '5' });
    const client = await connect(`${limited.ws}/ws/chat/`);
    for (let i = 0; i < 4; i++) client.send({ type: 'heartbeat', data: { sequence: i } });
    const error = await client.next(isError('RATE_LIMIT_EXCEEDED'));
    expect(error.data.details?.['retry_after_ms']).toBeGreaterThan(0);
    expect(client.frames.filter(isType('heartbeat'))).toHaveLength(3);
    // A refused send names itself, so the client can retry exactly that one.
    client.send({ type: 'text_message', data: { content: 'too soon', room_id: 'general', client_msg_id: 'refused-1' } });
    const refused = await client.next((f) => isError('RATE_LIMIT_EXCEEDED')(f) && f.data.details?.['client_msg_id'] === 'refused-1');
    expect(refused.data.details).toMatchObject({ room_id: 'general', client_msg_id: 'refused-1' });
    for (let i = 0; i < 20; i++) client.send({ type: 'heartbeat', data: { sequence: 100 + i } });
    expect((await client.closed).code).toBe(4429);
  });

  it('shares a per-user rate limit across the user’s connections', async () => {
    const limited = await gateway({ WS_MESSAGE_RATE_PER_SEC: '1', WS_MESSAGE_BURST: '3' });
    const session = await stack.rest<{ session_id: string }>('/api/sessions/', { user_id: 'two-tabs' });
    const one = await connect(`${limited.ws}/ws/chat/?session_id=${session.body.session_id}`);
    const two = await connect(`${limited.ws}/ws/chat/?session_id=${session.body.session_id}`);
    await stillOpen(one, 1);
    await stillOpen(one, 2);
    await stillOpen(two, 3);
    two.send({ type: 'heartbeat', data: { sequence: 4 } });
    await two.next(isError('RATE_LIMIT_EXCEEDED'));
  });

  it('refuses a join beyond the rooms-per-connection cap with PERMISSION_DENIED', async () => {
    const capped = await gateway({ WS_ROOMS_PER_CONNECTION: '2' });
    await stack.rest('/api/rooms/', { room_id: 'cap-a', name: 'a' });
    await stack.rest('/api/rooms/', { room_id: 'cap-b', name: 'b' });
    const client = await connect(`${capped.ws}/ws/chat/general/`);
    client.send({ type: 'join_room', data: { room_id: 'cap-a' } });
    await client.next((f) => f.data.action === 'room_joined' && f.data['room_id'] === 'cap-a');
    client.send({ type: 'join_room', data: { room_id: 'cap-b' } });
    const error = await client.next(isError('PERMISSION_DENIED'));
    expect(error.data.details).toMatchObject({ field: 'room_id', room_id: 'cap-b', limit: 2 });
    client.send({ type: 'leave_room', data: { room_id: 'cap-a' } });
    await client.next(isType('system_message', 'room_left'));
    client.send({ type: 'join_room', data: { room_id: 'cap-b' } });
    await client.next((f) => f.data.action === 'room_joined' && f.data['room_id'] === 'cap-b');
  });

  it('drops a peer that stops answering pings with 4408, and keeps one that answers', async () => {
    const pinging = await gateway({ WS_PING_INTERVAL_MS: '50', WS_PONG_TIMEOUT_MS: '100' });
    const silent = await connect(`${pinging.ws}/ws/chat/`, { autoPong: false });
    const alive = await connect(`${pinging.ws}/ws/chat/`);
    expect((await silent.closed).code).toBe(4408);
    // Kept by its pongs alone: one whose pongs went unheard would get one more ping, then 4408.
    await new Promise<void>((resolve, reject) => {
      let pings = 0;
      alive.ws.on('ping', () => ++pings === 4 && resolve());
      alive.ws.once('close', (code) => reject(new Error(`closed with ${code} after ${pings} pings`)));
    });
    await stillOpen(alive, 9);
  });

  it('pings sockets opened together at different points of the interval, not in lockstep', async () => {
    // Ping every 2 s, checked every 250 ms: a random first ping lands in one of eight sweeps.
    const pinging = await gateway({ WS_PING_INTERVAL_MS: '2000', WS_PONG_TIMEOUT_MS: '2000' });
    const opened = Date.now();
    // Listening from the upgrade on: a first ping may come before the welcome.
    const firstPings = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const client = await bed.open(`${pinging.ws}/ws/chat/`);
        const open = Date.now();
        return new Promise<{ at: number; afterOpen: number }>((resolve) =>
          client.ws.once('ping', () => resolve({ at: Date.now() - opened, afterOpen: Date.now() - open })),
        );
      }),
    );
    // In lockstep, all 16 would come in the same sweep, ~2 s after opening (chance of that now: 8 × 8^-16).
    const sweeps = new Set(firstPings.map((ping) => Math.round(ping.at / 250)));
    expect(sweeps.size).toBeGreaterThan(1);
    // Each socket's first ping within one interval of its own opening (plus a sweep, and slack for a loaded machine).
    expect(Math.max(...firstPings.map((ping) => ping.afterOpen))).toBeLessThan(2_000 + 250 + 1_000);
  });

  it('closes a client that stops reading as a slow consumer (1013), while a reading member gets everything', async () => {
    const slowGateway = await gateway({ WS_CLOSE_TIMEOUT_MS: '30000' });
    await stack.rest('/api/rooms/', { room_id: 'firehose', name: 'firehose' });
    const slow = await connect(`${slowGateway.ws}/ws/chat/firehose/`);
    const fast = await connect(`${slowGateway.ws}/ws/chat/firehose/`);
    await slow.next(isType('system_message', 'room_joined'));
    await fast.next(isType('system_message', 'room_joined'));
    slow.ws.pause();
    // 2,500 × 4 KiB ≈ 10 MB: well past what loopback kernel buffers absorb (~4 MB) plus the 1 MiB cap.
    const count = 2_500;
    const content = 'y'.repeat(4_000);
    for (let seq = 1; seq <= count; seq++) {
      stack.peer.publish(subjects.chatRoom('firehose'), {
        kind: 'message',
        message: {
          message_id: randomUUID(),
          room_id: 'firehose',
          seq,
          session_id: randomUUID(),
          user_id: 'firehose',
          content,
          client_msg_id: null,
          created_at: new Date().toISOString(),
        },
      });
      // Paced by the reading member (this process reads for it): only the paused one falls behind.
      if (seq % 100 === 0) await fast.collect(isType('text_message'), seq - 100);
    }
    await fast.collect(isType('text_message'), count, 30_000);
    slow.ws.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(1013);
    expect(slow.frames.filter(isType('text_message')).length).toBeLessThan(count);
    await stillOpen(fast, 11);
    const metrics = await (await fetch(`${slowGateway.http}/metrics`)).text();
    expect(metrics).toMatch(/parley_gateway_server_closes_total\{reason="try_again_later".*\} 1/);
  });
});

describe('handshake and idle timeouts', () => {
  const closedSocket = (socket: Socket) =>
    new Promise<string>((resolve) => {
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(received));
    });

  it('closes a TCP connection that never sends a request, and one that drips its upgrade headers forever', async () => {
    const strict = await gateway({ WS_IDLE_TIMEOUT_MS: '300', WS_HANDSHAKE_TIMEOUT_MS: '500' });
    const { port } = strict.app.server.address() as { port: number };
    const silent = tcpConnect(port, '127.0.0.1');
    const drip = tcpConnect(port, '127.0.0.1');
    drip.write('GET /ws/chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    const dripping = setInterval(() => drip.write(`X-Drip-${Date.now()}: 1\r\n`), 100);
    try {
      await closedSocket(silent);
      expect(await closedSocket(drip)).toMatch(/^HTTP\/1.1 408|^$/);
    } finally {
      clearInterval(dripping);
    }
    // An upgraded socket is not an idle HTTP connection: it outlives the idle timeout.
    const client = await connect(`${strict.ws}/ws/chat/`);
    await new Promise((r) => setTimeout(r, 700));
    await stillOpen(client, 12);
  });
});
