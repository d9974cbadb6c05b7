import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';

import { CLOSE_CODES, errorData, serverEnvelope } from '@parley/protocol';

import { ParleyError, createClient, type WebSocketConstructor } from '../src/index.js';
import { newClientMsgId } from '../src/ids.js';
import { contents, eventually, startClient, startGateway } from './support/harness.js';
import { ManualTimers } from './support/manual-timers.js';

describe('heartbeats', () => {
  it('sends increasing sequences while echoed, and reconnects when an echo is missing', async () => {
    const gateway = await startGateway();
    gateway.heartbeatIntervalMs = 1_000;
    const timers = new ManualTimers();
    const { client, events } = startClient(gateway, { timers });
    await client.connect();
    expect(timers.delays()).toEqual([1_000]); // interval from the welcome

    for (const sequence of [1, 2]) {
      timers.runNext(); // heartbeat out; its timeout (pong_timeout_ms) pending
      expect(timers.delays()).toEqual([10_000]);
      await eventually(() => expect(gateway.latest.framesOf('heartbeat').at(-1)?.data).toEqual({ sequence }));
      await eventually(() => expect(timers.delays()).toEqual([1_000])); // echoed: next one scheduled
    }

    gateway.echoHeartbeats = false;
    timers.runNext();
    await eventually(() => expect(gateway.latest.framesOf('heartbeat')).toHaveLength(3));
    timers.runNext(); // no echo within the timeout
    expect(client.state).toMatchObject({ status: 'reconnecting', code: CLOSE_CODES.HEARTBEAT_TIMEOUT.code });
    expect(await gateway.connections[0]?.closed).toMatchObject({ code: 4408 });
    timers.runNext();
    await eventually(() => expect(client.state.status).toBe('connected'));
    expect(gateway.connections).toHaveLength(2);
    expect(events.states.map((s) => s.status)).toEqual(['connecting', 'connected', 'reconnecting', 'connecting', 'connected']);
  });

  it('uses configured interval and timeout over the welcome values', async () => {
    const gateway = await startGateway();
    const timers = new ManualTimers();
    const { client } = startClient(gateway, { timers, heartbeatIntervalMs: 300, heartbeatTimeoutMs: 700 });
    await client.connect();
    expect(timers.delays()).toEqual([300]);
    timers.runNext();
    expect(timers.delays()).toEqual([700]);
  });
});

describe('server frames', () => {
  it('ignores unknown types and actions, reports invalid frames, and keeps going', async () => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    await client.connect();
    await client.join('general');
    const conn = gateway.latest;
    conn.sendRaw(JSON.stringify({ ...serverEnvelope('heartbeat', conn.sessionId, {}), type: 'typing', data: { x: 1 } }));
    conn.sendRaw(JSON.stringify(serverEnvelope('system_message', conn.sessionId, { action: 'kick_all' } as never)));
    conn.sendRaw('not json');
    conn.sendRaw(JSON.stringify({ type: 'text_message', data: {} }));
    conn.sendRaw(JSON.stringify(serverEnvelope('text_message', conn.sessionId, { content: 'no seq' } as never)));
    gateway.post('general', 'still here');

    await eventually(() => expect(contents(events, 'general')).toEqual(['still here']));
    expect(events.debug.filter((d) => d.kind === 'ignored_frame')).toEqual([
      { kind: 'ignored_frame', type: 'typing' },
      { kind: 'ignored_frame', type: 'system_message', action: 'kick_all' },
    ]);
    const invalid = events.debug.filter((d) => d.kind === 'invalid_frame');
    expect(invalid).toHaveLength(3);
    expect(invalid[0]).toEqual({ kind: 'invalid_frame', issue: 'frame is not valid JSON' });
    expect(client.state.status).toBe('connected');
    expect(events.errors).toEqual([]);
  });
});

describe('errors answering requests', () => {
  it('rejects the send named by details.client_msg_id, and only that one', async () => {
    const gateway = await startGateway();
    gateway.onText = (_conn, data) =>
      data.content === 'forbidden' ? errorData('PERMISSION_DENIED', 'Not here', { client_msg_id: data.client_msg_id }) : 'store';
    const { client, events } = startClient(gateway);
    await client.connect();
    const [ok, refused] = [client.send('general', 'fine'), client.send('general', 'forbidden')];
    const error = await refused.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await ok).toMatchObject({ seq: 1 });
    expect(events.errors).toEqual([]);
  });

  it('sends a rate-limited message again after retry_after_ms, with the same client_msg_id', async () => {
    const gateway = await startGateway();
    const seen: string[] = [];
    gateway.onText = (_conn, data) => {
      seen.push(data.client_msg_id ?? '');
      return data.content === 'busy' && seen.length === 2
        ? errorData('RATE_LIMIT_EXCEEDED', 'Rate limit exceeded', { retry_after_ms: 200, retryable: true, client_msg_id: data.client_msg_id })
        : 'store';
    };
    const { client, events } = startClient(gateway);
    await client.connect();
    const [ok, busy] = [client.send('general', 'fine'), client.send('general', 'busy')];
    expect(await ok).toMatchObject({ seq: 1 });
    expect(await busy).toMatchObject({ seq: 2 });
    expect(seen).toHaveLength(3);
    expect(seen[2]).toBe(seen[1]);
    expect(events.errors).toEqual([]);
  });

  it('attributes an error without client_msg_id to the only request in flight', async () => {
    const gateway = await startGateway();
    gateway.onText = () => errorData('PERMISSION_DENIED', 'Not allowed here');
    const { client, events } = startClient(gateway);
    await client.connect();
    await expect(client.send('general', 'hi')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(events.errors).toEqual([]);
  });

  it('reports an error it cannot attribute as an error event and keeps the sends pending', async () => {
    const gateway = await startGateway();
    gateway.onText = () => 'ignore';
    const { client, events } = startClient(gateway);
    await client.connect();
    const sends = [client.send('general', 'one'), client.send('general', 'two')];
    await eventually(() => expect(gateway.latest.framesOf('text_message')).toHaveLength(2));
    gateway.latest.send('error', errorData('INTERNAL_ERROR', 'Internal server error', { retryable: true }));
    await eventually(() => expect(events.errors).toHaveLength(1));

    gateway.onText = () => 'store';
    gateway.latest.terminate(); // the outbox resends both
    expect((await Promise.all(sends)).map((a) => a.seq)).toEqual([1, 2]);
  });

  it('rejects a join the server refuses and stops tracking the room', async () => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    await client.connect();
    await expect(client.join('nowhere')).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    expect(client.rooms()).toEqual([]);
    expect(events.errors).toEqual([]);
  });

  it('refuses invalid requests locally, with the server wording', async () => {
    const gateway = await startGateway();
    const { client } = startClient(gateway);
    await expect(client.send('general', '   ')).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { field: 'content', issue: 'Message content cannot be empty' },
    });
    await expect(client.send('Not A Room', 'hi')).rejects.toMatchObject({ details: { field: 'room_id' } });
    await expect(client.join('general', { sinceSeq: -1 })).rejects.toMatchObject({ details: { field: 'since_seq' } });
    expect(gateway.connections).toHaveLength(0);
  });
});

describe('setup', () => {
  it('accepts ws and browser WebSocket classes, and needs one', () => {
    const fromWs: WebSocketConstructor = WebSocket;
    const fromDom: WebSocketConstructor | undefined = (globalThis as { WebSocket?: typeof globalThis.WebSocket }).WebSocket;
    expect(fromWs).toBeTypeOf('function');
    void fromDom;
    vi.stubGlobal('WebSocket', undefined);
    try {
      expect(() => createClient({ url: 'ws://127.0.0.1:1/ws/chat/' })).toThrow(/pass options.WebSocket/);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(() => createClient({ url: 'http://example.com/', WebSocket })).toThrow(TypeError);
  });

  it('generates v4 UUID client_msg_ids, with or without crypto.randomUUID', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newClientMsgId()).toMatch(v4);
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: <T extends ArrayBufferView>(a: T) => real.getRandomValues(a) });
    try {
      const ids = new Set(Array.from({ length: 50 }, () => newClientMsgId()));
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id).toMatch(v4);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
