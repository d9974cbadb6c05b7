import { ServerMessageSchema } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isError, isType } from '@parley/testing';
import { GatewayTestbed, type ApiStack, type TestGateway } from './stack.js';

/** Where the seed is specific, frames say exactly what it says (issue 16, "contract fidelity"). */

const bed = new GatewayTestbed('fidelity');
let stack: ApiStack;
let g: TestGateway;

beforeAll(async () => {
  stack = await bed.start();
  g = await bed.gateway();
});
afterAll(bed.close);

describe('welcome', () => {
  it('carries room_name when the connection joined a room by its path, as the seed’s consumer does', async () => {
    const byPath = await bed.connect(`${g.ws}/ws/chat/general/`);
    expect(byPath.welcome).toMatchObject({ rooms: ['general'], room_name: 'general' });
    expect(ServerMessageSchema.safeParse(byPath.frames[0]).success).toBe(true);
  });

  it('has no room_name without a room in the path, or when that room could not be joined', async () => {
    expect(await bed.connect(`${g.ws}/ws/chat/`).then((c) => c.welcome)).not.toHaveProperty('room_name');
    const missing = await bed.connect(`${g.ws}/ws/chat/no-such-room/`);
    expect(missing.welcome).not.toHaveProperty('room_name');
    await missing.next(isError('ROOM_NOT_FOUND'));
  });
});

describe('text_message content and timestamp', () => {
  const exact = ['  spaced out  ', 'line end\u2028', '\ttabbed\n'];

  it('stores and delivers content exactly as sent, live and replayed, with a numeric ms data.timestamp', async () => {
    expect((await stack.rest('/api/rooms/', { room_id: 'exact', name: 'exact' })).status).toBe(201);
    const sender = await bed.connect(`${g.ws}/ws/chat/exact/`);
    await sender.next(isType('system_message', 'room_joined'));
    for (const [i, content] of exact.entries()) {
      sender.sendText(content, 'exact', { client_msg_id: `x-${i}` });
      await sender.next(isType('message_ack'));
    }
    const live = await sender.collect(isType('text_message'), exact.length);
    expect(live.map((f) => f.data['content'])).toEqual(exact);

    // A second connection catches up from history: the replay carries the same fields.
    const late = await bed.connect(`${g.ws}/ws/chat/`);
    late.send({ type: 'join_room', data: { room_id: 'exact', since_seq: 0 } });
    const replayed = await late.collect(isType('text_message'), exact.length);
    expect(replayed.map((f) => f.data['content'])).toEqual(exact);

    for (const frame of [...live, ...replayed]) {
      expect(ServerMessageSchema.safeParse(frame).success).toBe(true);
      expect(Number.isInteger(frame.data['timestamp'])).toBe(true);
      expect(frame.data['timestamp']).toBe(Date.parse(frame.data['created_at'] as string));
    }
    const history = await stack.rest<{ messages: { content: string; timestamp: number; created_at: string }[] }>('/api/rooms/exact/messages/');
    expect(history.body.messages.map((m) => m.content)).toEqual(exact);
    expect(history.body.messages.every((m) => m.timestamp === Date.parse(m.created_at))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['a lone U+2028', '\u2028'],
    ['mixed Unicode whitespace', ' \u00a0\u3000\n'],
  ])('refuses %s content with the seed’s validation error, storing nothing', async (_name, content) => {
    const client = await bed.connect(`${g.ws}/ws/chat/`);
    client.sendText(content, 'general', { client_msg_id: 'blank' });
    const error = await client.next(isError('VALIDATION_ERROR'));
    expect(error.data).toMatchObject({ error_message: 'Invalid message format', details: { field: 'content', issue: 'Message content cannot be empty' } });
    const history = await stack.rest<{ messages: { content: string }[] }>('/api/rooms/general/messages/');
    expect(history.body.messages.some((m) => m.content.trim() === '')).toBe(false);
  });
});
