import { subjects } from '@parley/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isError, isType } from '@parley/testing';
import { GatewayTestbed, stillOpen, type ApiStack, type TestGateway } from './stack.js';

/** Bad frames (answered or closed as documented, never a crash), health and reports, a store outage. */

const bed = new GatewayTestbed('frames');
const { gateway, connect } = bed;
let stack: ApiStack;
let g: TestGateway;

beforeAll(async () => {
  stack = await bed.start();
  g = await gateway();
});
afterAll(bed.close);

describe('bad frames get an error naming the field, and the connection stays open', () => {
  const cases: [string, string | Record<string, unknown>, string, RegExp][] = [
    ['not JSON', '{"type": "text_message", ', '$', /not valid JSON/],
    ['not an object', '[1, 2]', 'type', /JSON object/],
    ['no type', { data: {} }, 'type', /required/],
    ['an unknown type', { type: 'shout', data: {} }, 'type', /expected one of: text_message, heartbeat, join_room, leave_room/],
    ['a wrong field type', { type: 'text_message', data: { content: 42, room_id: 'general' } }, 'content', /string/],
    ['empty content', { type: 'text_message', data: { content: '   ', room_id: 'general' } }, 'content', /cannot be empty/],
    ['content over 4,000 characters', { type: 'text_message', data: { content: 'x'.repeat(4_001), room_id: 'general' } }, 'content', /4000/],
    ['a room id that is not a slug', { type: 'join_room', data: { room_id: 'No Spaces' } }, 'room_id', /Room id/],
    ['JSON nested deeper than 8', { type: 'heartbeat', data: { a: [[[[[[[[1]]]]]]]] } }, '$', /depth of 8/],
  ];

  it.each(cases)('%s', async (_name, frame, field, issue) => {
    const client = await connect(`${g.ws}/ws/chat/`);
    client.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    const error = await client.next(isError('VALIDATION_ERROR'));
    expect(error.data).toMatchObject({ error_message: 'Invalid message format', details: { field } });
    expect(String(error.data.details?.['issue'])).toMatch(issue);
    expect(error.session_id).toBe(client.sessionId);
    await stillOpen(client, 1);
  });

  it('a binary frame', async () => {
    const client = await connect(`${g.ws}/ws/chat/`);
    client.ws.send(Buffer.from(JSON.stringify({ type: 'heartbeat' })), { binary: true });
    expect((await client.next(isError('VALIDATION_ERROR'))).data.details).toMatchObject({ field: '$', issue: expect.stringMatching(/Binary/) });
    await stillOpen(client, 2);
  });

  it('a user_id that is not the authenticated user is PERMISSION_DENIED', async () => {
    const client = await connect(`${g.ws}/ws/chat/`);
    client.sendText('as someone else', 'general', { user_id: 'not-me', client_msg_id: 'p1' });
    const error = await client.next(isError('PERMISSION_DENIED'));
    expect(error.data.details).toMatchObject({ field: 'user_id', client_msg_id: 'p1' });
    client.sendText('as myself', 'general', { user_id: client.welcome['user_id'], client_msg_id: 'p2' });
    expect((await client.next(isType('message_ack'))).data).toMatchObject({ client_msg_id: 'p2' });
  });
});

describe('frames the protocol layer refuses close the socket with the documented code', () => {
  it('a frame over 64 KiB closes with 1009 (one of exactly 64 KiB is read)', async () => {
    const client = await connect(`${g.ws}/ws/chat/`);
    const exact = JSON.stringify({ type: 'heartbeat', data: { sequence: 7 }, pad: '' });
    client.ws.send(exact.replace('"pad":""', `"pad":"${'x'.repeat(65_536 - exact.length)}"`));
    await client.next((f) => f.type === 'heartbeat' && f.data['sequence'] === 7);
    client.ws.send('x'.repeat(65_537));
    expect((await client.closed).code).toBe(1009);
  });

  it('invalid UTF-8 in a text frame closes with 1007', async () => {
    const client = await connect(`${g.ws}/ws/chat/`);
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await client.closed).code).toBe(1007);
  });

  it('a message split into more fragments than allowed closes with 1008', async () => {
    const client = await connect(`${g.ws}/ws/chat/`);
    for (let i = 0; i < 200; i++) client.ws.send('x', { fin: false, binary: false });
    client.ws.send('x', { fin: true });
    expect((await client.closed).code).toBe(1008);
  });
});

describe('health and reports', () => {
  it('serves /livez, /readyz and /metrics, and answers the health probe', async () => {
    const client = await connect(`${g.ws}/ws/chat/`);
    await stillOpen(client, 5);
    expect((await fetch(`${g.http}/livez`)).status).toBe(200);
    const ready = await fetch(`${g.http}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ service: 'gateway', status: 'healthy', components: { websocket: 'healthy', nats: 'healthy' } });
    const metrics = await (await fetch(`${g.http}/metrics`)).text();
    for (const name of [
      'parley_gateway_connections',
      'parley_gateway_messages_in_total{outcome="accepted"',
      'parley_gateway_messages_out_total{path="live"',
      'parley_gateway_errors_total{code="VALIDATION_ERROR"',
      'parley_gateway_send_ack_seconds_bucket',
    ]) {
      expect(metrics).toContain(name);
    }
    const replies = await stack.peer.gather(subjects.healthProbe, {}, { maxWaitMs: 300 });
    const mine = replies.find((r) => r.ok && r.data.instance_id === g.instanceId);
    expect(mine).toMatchObject({ ok: true, data: { service: 'gateway', components: { websocket: 'healthy', nats: 'healthy' } } });
    if (mine?.ok) {
      expect(mine.data.metrics.active_connections).toBeGreaterThan(0);
      expect(mine.data.metrics.total_messages_processed).toBeGreaterThan(0);
    }
  });

  it('reports presence events (connect, join, leave, refresh, disconnect) and batched statistics', async () => {
    const reporting = await gateway({ PRESENCE_REFRESH_MS: '100', STATS_INTERVAL_MS: '100' });
    const events: { kind: string; session_id?: string; room_id?: string; connections?: { session_id: string; rooms: string[] }[] }[] = [];
    const stats: { sessions: { session_id: string; messages_received: number; connection_seconds: number }[] }[] = [];
    const tapEvents = stack.peer.subscribe(subjects.presenceEvents, (e) => void events.push(e), { queue: null });
    const tapStats = stack.peer.subscribe(subjects.api.statsReport, (r) => void stats.push(r), { queue: null });
    await Promise.all([tapEvents.ready, tapStats.ready]);

    const client = await connect(`${reporting.ws}/ws/chat/general/`);
    await client.next(isType('system_message', 'room_joined'));
    const sid = client.sessionId;
    client.sendText('counted', 'general');
    await client.next(isType('text_message'));
    client.send({ type: 'leave_room', data: { room_id: 'general' } });
    await client.next(isType('system_message', 'room_left'));
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(check()).toBe(true);
    };
    await until(() => events.some((e) => e.kind === 'refresh' && e.connections?.some((c) => c.session_id === sid)));
    client.close();
    await until(() => events.some((e) => e.kind === 'disconnect' && e.session_id === sid));
    const mine = events.filter((e) => e.session_id === sid).map((e) => [e.kind, e.room_id]);
    expect(mine).toEqual([
      ['connect', undefined],
      ['join', 'general'],
      ['leave', 'general'],
      ['disconnect', undefined],
    ]);
    await until(
      () =>
        stats
          .flatMap((r) => r.sessions)
          .filter((s) => s.session_id === sid)
          .reduce((n, s) => n + s.messages_received, 0) === 1,
    );
    // The API sums the reports into the session's statistics: one message sent, one received (its echo).
    for (let i = 0; i < 100; i++) {
      const session = await stack.rest<{ statistics: { messages_received: number; messages_sent: number } }>(`/api/sessions/${sid}/`);
      if (session.body.statistics.messages_received === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const session = await stack.rest<{ statistics: { messages_received: number; messages_sent: number } }>(`/api/sessions/${sid}/`);
    expect(session.body.statistics).toMatchObject({ messages_received: 1, messages_sent: 1 });
    tapEvents.unsubscribe();
    tapStats.unsubscribe();
  });
});

describe('when the store is unreachable', () => {
  // Last in this file: it stops the API.
  it('answers a send with a retryable INTERNAL_ERROR, never an ack, and refuses new connections with 1013', async () => {
    const client = await connect(`${g.ws}/ws/chat/general/`);
    await client.next(isType('system_message', 'room_joined'));
    await stack.api.stop();
    client.sendText('into the void', 'general', { client_msg_id: 'lost-1' });
    const error = await client.next(isError('INTERNAL_ERROR'));
    expect(error.data.details).toMatchObject({ retryable: true, client_msg_id: 'lost-1', room_id: 'general' });
    expect(client.frames.filter(isType('message_ack'))).toHaveLength(0);
    await stillOpen(client, 3);

    const refused = await bed.open(`${g.ws}/ws/chat/`);
    const refusal = await refused.next(isError('INTERNAL_ERROR'));
    expect(refusal.data.details).toMatchObject({ retryable: true });
    expect((await refused.closed).code).toBe(1013);
    expect(refused.frames.some(isType('system_message', 'welcome'))).toBe(false);
  });
});
