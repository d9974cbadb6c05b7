import { createMemoryBroker, createMemoryBus, subjects } from '@parley/bus';
import type { RoomEvent } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { RoomHeads } from '../src/messages/heads.js';
import { roomEventPublisher } from '../src/messages/messages.js';

const message = {
  message_id: '6f1c2b7e-3d4a-4b5c-8d9e-0a1b2c3d4e5f',
  room_id: 'general',
  seq: 7,
  session_id: '550e8400-e29b-41d4-a716-446655440000',
  user_id: 'alice',
  content: 'hi',
  client_msg_id: null,
  created_at: '2024-01-01T00:00:00.000Z',
};

describe('roomEventPublisher (what the relay and each commit publish)', () => {
  it('publishes a stored entry on its room subject as the schema has it, and only then tells the heads', async () => {
    const broker = createMemoryBroker();
    const bus = createMemoryBus({ broker });
    const heard: RoomEvent[] = [];
    await bus.subscribe(subjects.chatRoom('general'), (event) => void heard.push(event)).ready;
    const told: [string, number][] = [];
    const publish = roomEventPublisher(bus, { published: (room: string, seq: number) => void told.push([room, seq]) } as unknown as RoomHeads);

    // As the relay hears it: parsed JSON, with a key no schema knows.
    publish('general', { kind: 'message', message: { ...message, stray: 'x' } });
    expect(() => publish('general', { kind: 'message', message: { ...message, seq: 0 } })).toThrow();
    expect(() => publish('general', { kind: 'unknown' })).toThrow();

    await expect.poll(() => heard.length).toBe(1);
    expect(heard).toEqual([{ kind: 'message', message }]);
    expect(told).toEqual([['general', 7]]);
    await bus.drain();
  });
});
