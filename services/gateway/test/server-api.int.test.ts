import { isError, isType, texts, type TestSocket } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './api-key.js';
import { GatewayTestbed, type TestGateway } from './stack.js';

/**
 * The server API seen from the sockets: a backend's message joins the room's one seq order with
 * users' messages on every gateway, once per Idempotency-Key; a disconnect reaches every socket
 * of the user on every gateway.
 */

const bed = new GatewayTestbed('serverapi');
let gw1: TestGateway;
let gw2: TestGateway;
let key: string;

beforeAll(async () => {
  await bed.start();
  [gw1, gw2, key] = await Promise.all([bed.gateway(), bed.gateway(), createApiKey(bed.stack, 'backend', ['publish', 'moderate'])]);
});
afterAll(bed.close);

const server = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${bed.stack.api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

const seqs = (client: TestSocket, roomId: string) => texts(client, roomId).map((f) => [f.data['seq'], f.data['user_id']]);

describe('a message from the backend', () => {
  it('reaches sockets on both gateways in seq order with users’ messages, once per Idempotency-Key', async () => {
    const ann = await bed.connect(`${gw1.ws}/ws/chat/general/`);
    const bob = await bed.connect(`${gw2.ws}/ws/chat/general/`);
    const annId = ann.welcome['user_id'];
    const publish = (n: number) =>
      server('/api/server/rooms/general/messages/', { content: `notice ${n}`, author: { type: 'bot', name: 'ops' } }, { 'idempotency-key': `notice-${n}` });

    // Interleaved: users' sends and the backend's publishes (each retried) race into one room.
    const answers: { status: number; body: Record<string, unknown> }[] = [];
    for (let i = 0; i < 3; i++) {
      ann.sendText(`user ${i}`, 'general', { client_msg_id: `u-${i}` });
      answers.push(...(await Promise.all([publish(i), publish(i)])));
    }
    const all = 6;
    for (const client of [ann, bob]) await client.collect((f) => f.type === 'text_message' && f.data['room_id'] === 'general', all);
    // Allow a stray duplicate to arrive before judging that none does.
    await new Promise((r) => setTimeout(r, 300));

    for (const client of [ann, bob]) {
      const got = seqs(client, 'general');
      expect(got).toHaveLength(all);
      const numbers = got.map(([seq]) => seq as number);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(numbers.at(-1)! - numbers[0]! + 1).toBe(all);
      expect(got.filter(([, user]) => user === 'bot:ops')).toHaveLength(3);
      expect(got.filter(([, user]) => user === annId)).toHaveLength(3);
    }
    // Each key: stored once (201), its retry answered with the same message (200, duplicate).
    for (let i = 0; i < 3; i++) {
      const pair = answers.slice(i * 2, i * 2 + 2).sort((a, b) => b.status - a.status);
      expect(pair.map((a) => a.status)).toEqual([201, 200]);
      expect(pair.map((a) => a.body['duplicate'])).toEqual([false, true]);
      expect((pair[1]!.body['message'] as { message_id: string }).message_id).toBe((pair[0]!.body['message'] as { message_id: string }).message_id);
    }
    expect(ann.frames.filter(isType('message_ack'))).toHaveLength(3);
  });
});

describe('disconnecting a user', () => {
  it('closes every socket of theirs on both gateways with the reason (4403), and no one else’s', async () => {
    const first = await bed.connect(`${gw1.ws}/ws/chat/general/`);
    const sockets = [
      first,
      await bed.connect(`${gw1.ws}/ws/chat/?session_id=${first.sessionId}`),
      await bed.connect(`${gw2.ws}/ws/chat/?session_id=${first.sessionId}`),
    ];
    const bystander = await bed.connect(`${gw2.ws}/ws/chat/general/`);
    const userId = first.welcome['user_id'] as string;

    const sent = await server(`/api/server/users/${encodeURIComponent(userId)}/disconnect/`, { reason: 'account suspended' });
    expect(sent.status).toBe(202);
    for (const socket of sockets) {
      const error = await socket.next(isError('PERMISSION_DENIED'));
      expect(error.data['error_message']).toBe('Disconnected by the server: account suspended');
      expect(await socket.closed).toEqual({ code: 4403, reason: 'account suspended' });
    }
    bystander.send({ type: 'heartbeat', data: { sequence: 7 } });
    await bystander.next((f) => f.type === 'heartbeat' && f.data['sequence'] === 7);
  });

  it('lets them come back when asked: a reconnect hint and 1012', async () => {
    const socket = await bed.connect(`${gw2.ws}/ws/chat/`);
    await server(`/api/server/users/${encodeURIComponent(socket.welcome['user_id'] as string)}/disconnect/`, { reason: 'new version', reconnect: true });
    const hint = await socket.next(isType('system_message', 'reconnect'));
    expect(hint.data).toMatchObject({ retry_after_ms: 0, reason: 'new version' });
    expect((await socket.closed).code).toBe(1012);
  });
});
