import { CreateSessionResponseSchema, HealthResponseSchema, MessagesPageSchema } from '@parley/protocol';
import { isType, TestSocket } from '@parley/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedProcess, type EmbeddedProcess } from './support/embedded.js';
import { restClient, TEST_TIMERS } from './support/stack.js';

/**
 * `npm start` on a machine where PostgreSQL, Redis and NATS do not answer: embedded mode serves
 * the whole product on one origin, and its data survives a restart.
 */
let dataDir: string;
let running: EmbeddedProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-embedded-'));
});
afterAll(async () => {
  await running?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const start = async () => (running = await startEmbeddedProcess({ ...TEST_TIMERS, PARLEY_EMBEDDED_DATA: dataDir }));

describe('embedded mode', () => {
  it('says first which mode runs and where the data lives, then serves the demo page, REST, /docs, /healthz and chat', async () => {
    const p = await start();
    expect(p.lines[0]).toMatch(/^Parley: embedded mode \(none of PostgreSQL, Redis and NATS answers\)/);
    expect(p.lines[1]).toContain(`data in ${dataDir}`);
    const rest = restClient(p.url);

    expect((await fetch(`${p.url}/`)).status).toBe(200);
    expect((await fetch(`${p.url}/docs`)).status).toBe(200);
    const health = await fetch(`${p.url}/healthz`);
    expect(health.status).toBe(200);
    expect(HealthResponseSchema.parse(await health.json())).toMatchObject({
      status: 'healthy',
      components: { database: 'healthy', redis: 'healthy', websocket: 'healthy' },
    });

    expect((await rest('POST', '/api/rooms/', { room_id: 'kept', name: 'Kept' })).status).toBe(201);
    const session = CreateSessionResponseSchema.parse((await rest('POST', '/api/sessions/', { user_id: 'ada' })).body);
    const socket = await TestSocket.connect(`${p.url.replace('http', 'ws')}/ws/chat/kept/?session_id=${session.session_id}`);
    await socket.next(isType('system_message', 'room_joined'));
    socket.sendText('before the restart', 'kept', { client_msg_id: 'k-1' });
    expect((await socket.next(isType('message_ack'))).data).toMatchObject({ seq: 1, duplicate: false });
    socket.close();
    await socket.closed;
    expect(await p.stop()).toBe(0);
  });

  it('keeps history, rooms and sessions across a restart on the same data directory', async () => {
    const p = await start();
    const rest = restClient(p.url);
    const page = MessagesPageSchema.parse((await rest('GET', '/api/rooms/kept/messages/')).body);
    expect(page.messages.map((m) => [m.seq, m.content])).toEqual([[1, 'before the restart']]);

    const session = CreateSessionResponseSchema.parse((await rest('POST', '/api/sessions/', { user_id: 'bea' })).body);
    const socket = await TestSocket.connect(`${p.url.replace('http', 'ws')}/ws/chat/?session_id=${session.session_id}`);
    socket.send({ type: 'join_room', data: { room_id: 'kept', since_seq: 0 } });
    expect((await socket.next(isType('text_message'))).data).toMatchObject({ seq: 1, content: 'before the restart' });
    // The room's counter survived too: the next message is 2, not a second 1.
    socket.sendText('after the restart', 'kept', { client_msg_id: 'k-2' });
    expect((await socket.next(isType('message_ack'))).data).toMatchObject({ seq: 2 });
    socket.close();
    await socket.closed;
    expect(await p.stop()).toBe(0);
    running = undefined;
  });
});
