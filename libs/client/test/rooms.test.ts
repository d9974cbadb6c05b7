import { describe, expect, it } from 'vitest';

import type { MessageAckData } from '@parley/protocol';

import { localStorageOutbox, memoryOutbox, type RoomState, type StorageLike } from '../src/index.js';
import { Emitter } from '../src/emitter.js';
import { eventually, startClient, startGateway } from './support/harness.js';

/**
 * Room objects, once/off, timeouts and the outbox storage, against the fake gateway (pure client
 * logic). The same behaviours against the real stack: test-e2e/sdk-rooms.test.ts.
 */

/** A Web Storage stand-in: what localStorage is, minus the browser. */
class MapStorage implements StorageLike {
  readonly map = new Map<string, string>();
  get length(): number {
    return this.map.size;
  }
  key(index: number): string | null {
    return [...this.map.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

describe('emitter', () => {
  it('once fires a single time; off removes on and once subscriptions of a function', () => {
    const emitter = new Emitter<{ tick: number }>();
    const seen: string[] = [];
    const a = (n: number) => seen.push(`a${n}`);
    const b = (n: number) => seen.push(`b${n}`);
    emitter.on('tick', a);
    emitter.once('tick', b);
    emitter.once('tick', a);
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    emitter.once('tick', b);
    emitter.off('tick', b);
    emitter.off('tick', a);
    emitter.emit('tick', 3);
    expect(seen).toEqual(['a1', 'b1', 'a1', 'a2']);
  });
});

describe('rooms', () => {
  it('are one object per id, and carry their own messages, presence and state', async () => {
    const gateway = await startGateway();
    const { client } = startClient(gateway);
    const general = client.room('general');
    expect(client.room('general')).toBe(general);
    expect(() => client.room('Not A Room')).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }) as Error);
    const states: RoomState[] = [];
    const texts: string[] = [];
    general.on('state', (s) => states.push(s));
    general.on('message', (m) => texts.push(`${m.room_id}:${m.content}`));
    client.room('random').on('message', (m) => texts.push(`${m.room_id}:${m.content}`));

    await client.connect();
    await expect(general.join()).resolves.toMatchObject({ room_id: 'general', last_seq: 0 });
    await client.room('random').join();
    const ack = await general.send('hello');
    expect(ack).toMatchObject({ room_id: 'general', seq: 1 });
    gateway.post('random', 'elsewhere');
    await eventually(() => expect(texts).toEqual(['general:hello', 'random:elsewhere']));

    gateway.latest.terminate(); // the room waits for its rejoin, then is joined again
    await eventually(() => expect(general.state).toEqual({ status: 'joined', last_seq: 1 }));
    await general.leave();
    expect(general.state).toEqual({ status: 'left', reason: 'left' });
    expect(states.map((s) => s.status)).toEqual(['joining', 'joined', 'joining', 'joined', 'left']);
  });

  it('goes back to idle when the server refuses the join', async () => {
    const gateway = await startGateway();
    const { client } = startClient(gateway);
    await client.connect();
    const room = client.room('nowhere');
    await expect(room.join()).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    expect(room.state).toEqual({ status: 'idle' });
  });
});

describe('timeouts', () => {
  it('reject connect, join and send with TIMEOUT; a timed-out send is still acknowledged later', async () => {
    const gateway = await startGateway();
    gateway.onConnect = () => 'silent';
    const { client } = startClient(gateway, { timeoutMs: 100, connectTimeoutMs: 60_000 });
    await expect(client.connect()).rejects.toMatchObject({ code: 'TIMEOUT', message: 'connect timed out after 100 ms' });
    await expect(client.join('general')).rejects.toMatchObject({ code: 'TIMEOUT' });

    gateway.onConnect = () => 'welcome';
    gateway.latest.terminate(); // the client keeps trying, and this time gets in
    await eventually(() => expect(client.state.status).toBe('connected'));
    gateway.onText = () => 'store_no_ack';
    const acks: MessageAckData[] = [];
    client.on('ack', (a) => acks.push(a));
    await expect(client.send('general', 'slow')).rejects.toMatchObject({ code: 'TIMEOUT' });
    gateway.onText = () => 'store';
    gateway.latest.terminate(); // the outbox still has it: resent, stored once, acknowledged
    await eventually(() => expect(acks).toMatchObject([{ seq: 1, duplicate: true }]));
    expect(gateway.log.get('general')?.map((m) => m.content)).toEqual(['slow']);
  });
});

describe('outbox storage', () => {
  it.each([
    ['localStorageOutbox', () => localStorageOutbox({ storage: new MapStorage() })],
    ['memoryOutbox', () => memoryOutbox()],
  ])('%s: a send left by a closed client is sent once, with its id, by the next client on the storage', async (_name, make) => {
    const gateway = await startGateway();
    const outbox = make();
    const sessionId = '2b1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
    const first = startClient(gateway, { outbox, sessionId }).client;
    const pending = first.room('general').send('typed before the reload');
    first.close(); // the page goes away before it ever connected
    await expect(pending).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    const [record] = await outbox.load();
    expect(record).toMatchObject({ room_id: 'general', content: 'typed before the reload' });

    const second = startClient(gateway, { outbox, sessionId });
    const acks: MessageAckData[] = [];
    second.client.on('ack', (a) => acks.push(a));
    await second.client.connect();
    await eventually(() => expect(acks).toMatchObject([{ client_msg_id: record!.client_msg_id, duplicate: false }]));
    expect(gateway.latest.framesOf('text_message').map((f) => f.data.client_msg_id)).toEqual([record!.client_msg_id]);
    expect(await outbox.load()).toEqual([]);
    expect(second.client.rooms()).toEqual(['general']);
  });

  it('drops restored sends the server refuses for good (an error event) or would refuse for their shape', async () => {
    const gateway = await startGateway();
    const storage = new MapStorage();
    storage.setItem('parley.outbox.x1', JSON.stringify({ client_msg_id: 'x1', room_id: 'nowhere', content: 'hi', queued_at: 1 }));
    storage.setItem('parley.outbox.broken', '{"client_msg_id":');
    for (const [id, room, content] of [
      ['y1', 'Not A Room', 'hi'],
      ['y2', 'general', '  '],
      ['bad id!', 'general', 'hi'],
    ] as const) {
      storage.setItem(`parley.outbox.${id}`, JSON.stringify({ client_msg_id: id, room_id: room, content, queued_at: 2 }));
    }
    storage.setItem('other-app', 'kept');
    gateway.onText = (_conn, data) =>
      data.room_id === 'nowhere' ? { error_code: 'ROOM_NOT_FOUND', error_message: 'Room not found', details: { client_msg_id: 'x1' } } : 'store';
    const { client, events } = startClient(gateway, { outbox: localStorageOutbox({ storage }) });
    await client.connect();
    await eventually(() => expect(events.errors).toMatchObject([{ error_code: 'ROOM_NOT_FOUND' }]));
    expect(storage.getItem('parley.outbox.x1')).toBeNull();
    // Records the server would refuse for their shape are dropped unsent; others' keys are left alone.
    expect([...storage.map.keys()].sort()).toEqual(['other-app', 'parley.outbox.broken']);
    expect(gateway.latest.framesOf('text_message').map((f) => f.data.client_msg_id)).toEqual(['x1']);
  });

  it('reports a failing storage as a debug event and still sends', async () => {
    const gateway = await startGateway();
    const outbox = {
      load: () => Promise.reject(new Error('quota')),
      put: () => {
        throw new Error('quota exceeded');
      },
      delete: () => undefined,
    };
    const { client, events } = startClient(gateway, { outbox });
    await client.connect();
    await expect(client.send('general', 'hi')).resolves.toMatchObject({ seq: 1 });
    expect(events.debug).toEqual(
      expect.arrayContaining([
        { kind: 'outbox_storage_failed', issue: 'quota' },
        { kind: 'outbox_storage_failed', issue: 'quota exceeded' },
      ]),
    );
  });
});
