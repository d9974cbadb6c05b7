import { serviceUrl, startServiceProcess, isError, isType, texts, type ServiceProcess } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './api-key.js';
import { GatewayTestbed, type TestGateway } from './stack.js';

/**
 * Moderation as sockets meet it, with two gateways and two api instances (one queue group): a
 * mute, a ban and slow mode hold on both gateways, whichever instance judges a message.
 */

const bed = new GatewayTestbed('moderation');
let gw1: TestGateway;
let gw2: TestGateway;
let secondApi: ServiceProcess;
let key: string;

beforeAll(async () => {
  const stack = await bed.start();
  [gw1, gw2, key, secondApi] = await Promise.all([
    bed.gateway(),
    bed.gateway(),
    createApiKey(stack, 'moderator', ['moderate']),
    startServiceProcess('api', {
      env: {
        DATABASE_URL: stack.db.url,
        NATS_URL: serviceUrl('nats'),
        BUS_SUBJECT_PREFIX: stack.prefix,
        REDIS_URL: serviceUrl('redis'),
        REDIS_KEY_PREFIX: stack.prefix,
      },
    }),
  ]);
});
afterAll(async () => {
  await secondApi?.stop();
  await bed.close();
});

const moderate = (method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) =>
  fetch(`${(method === 'PUT' ? secondApi : bed.stack.api).url}/api/server/rooms/general/${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('moderation across gateways', () => {
  it('a muted user is refused on both gateways with details.until; others never see their messages', async () => {
    const bob1 = await bed.connect(`${gw1.ws}/ws/chat/general/`);
    const bob2 = await bed.connect(`${gw2.ws}/ws/chat/general/?session_id=${bob1.sessionId}`);
    const ann = await bed.connect(`${gw2.ws}/ws/chat/general/`);
    const bob = bob1.welcome['user_id'] as string;

    const muted = await moderate('POST', 'mutes/', { user_id: bob, duration_seconds: 300 });
    const { until } = (await muted.json()) as { until: string };
    for (const [i, socket] of [bob1, bob2].entries()) {
      socket.sendText('hello?', 'general', { client_msg_id: `muted-${i}` });
      const error = await socket.next(isError('PERMISSION_DENIED'));
      expect(error.data['details']).toMatchObject({ until, client_msg_id: `muted-${i}` });
    }
    expect((await moderate('DELETE', `mutes/${encodeURIComponent(bob)}/`)).status).toBe(204);
    bob2.sendText('unmuted', 'general', { client_msg_id: 'unmuted' });
    await ann.next((f) => f.type === 'text_message' && f.data['content'] === 'unmuted');
    expect(texts(ann, 'general').map((f) => f.data['content'])).toEqual(['unmuted']);
  });

  it('slow mode lets one message per window through across both gateways, with retry_after_ms', async () => {
    const eve1 = await bed.connect(`${gw1.ws}/ws/chat/general/`);
    const eve2 = await bed.connect(`${gw2.ws}/ws/chat/general/?session_id=${eve1.sessionId}`);
    expect((await moderate('PUT', 'slow-mode/', { seconds: 5 })).status).toBe(200);
    eve1.sendText('first', 'general', { client_msg_id: 'slow-1' });
    await eve1.next(isType('message_ack'));
    eve2.sendText('second', 'general', { client_msg_id: 'slow-2' });
    const error = await eve2.next(isError('RATE_LIMIT_EXCEEDED'));
    expect(error.data['details']).toMatchObject({ client_msg_id: 'slow-2' });
    expect((error.data['details'] as { retry_after_ms: number }).retry_after_ms).toBeGreaterThan(0);
    expect((error.data['details'] as { retry_after_ms: number }).retry_after_ms).toBeLessThanOrEqual(5_000);
    expect((await moderate('PUT', 'slow-mode/', { seconds: 0 })).status).toBe(200);
  });

  it('a banned user leaves the room on both gateways and cannot join or post again', async () => {
    const mal1 = await bed.connect(`${gw1.ws}/ws/chat/general/`);
    const mal2 = await bed.connect(`${gw2.ws}/ws/chat/general/?session_id=${mal1.sessionId}`);
    const mal = mal1.welcome['user_id'] as string;
    expect((await moderate('POST', 'bans/', { user_id: mal, reason: 'spam' })).status).toBe(200);
    for (const socket of [mal1, mal2]) {
      const left = await socket.next(isType('system_message', 'room_left'));
      expect(left.data).toMatchObject({ room_id: 'general', reason: 'removed' });
    }
    mal2.send({ type: 'join_room', data: { room_id: 'general' } });
    await mal2.next(isError('PERMISSION_DENIED'));
    mal1.sendText('still here?', 'general', { client_msg_id: 'banned' });
    await mal1.next(isError('PERMISSION_DENIED'));
  });
});
