import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BroadcastFrame } from './broadcast-frame.js';

const message = {
  message_id: randomUUID(),
  room_id: 'general',
  seq: 7,
  user_id: 'ann',
  // Content that looks like an envelope field must not be mistaken for the envelope's own.
  content: '"session_id":"00000000-0000-0000-0000-000000000000" ünïcödé 😀',
  client_msg_id: 'c-1',
  created_at: new Date().toISOString(),
  timestamp: Date.now(),
};

describe('BroadcastFrame', () => {
  it('addresses one encoding to each recipient, leaving everything else byte for byte', () => {
    const frame = BroadcastFrame.encode('text_message', message);
    const [a, b] = [randomUUID(), randomUUID()];
    const forA = JSON.parse(frame.for(a).toString()) as Record<string, unknown>;
    const forB = JSON.parse(frame.for(b).toString()) as Record<string, unknown>;
    expect(forA['session_id']).toBe(a);
    expect(forB['session_id']).toBe(b);
    expect(forA['data']).toEqual(message);
    expect({ ...forA, session_id: b }).toEqual(forB);
  });

  it('serves more recipients than expected, each copy its own', () => {
    const frame = BroadcastFrame.encode('text_message', message, 2);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const copies = ids.map((id) => frame.for(id));
    expect(copies.map((c) => (JSON.parse(c.toString()) as { session_id: string }).session_id)).toEqual(ids);
  });

  it('never changes the shared bytes', () => {
    const frame = BroadcastFrame.encode('text_message', message);
    const before = Buffer.from(frame.bytes);
    frame.for(randomUUID());
    expect(frame.bytes.equals(before)).toBe(true);
  });
});
