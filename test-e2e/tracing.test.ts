import { isType, TestSocket } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type ReceivedSpan } from './support/otlp.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let collector: Awaited<ReturnType<typeof startCollector>>;

beforeAll(async () => {
  collector = await startCollector();
  stack = await startTestStack({ apis: 1, gateways: 2, presences: 1 }, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' });
});
afterAll(async () => {
  await stack?.close();
  await collector?.close();
});

const poll = { timeout: 20_000, interval: 200 };
const session = async (user_id: string) => (await stack.rest<{ session_id: string }>('POST', '/api/sessions/', { user_id })).body.session_id;
const onGateway = (i: number, sessionId: string) => TestSocket.connect(`${stack.of('gateway')[i]!.url.replace('http', 'ws')}/ws/chat/?session_id=${sessionId}`);

describe('OpenTelemetry across the processes (OTLP export to a collector)', () => {
  it('makes a text_message one trace: gateway frame → bus request → api append and its statement → a delivery span on each gateway', async () => {
    const [a, b] = await Promise.all([onGateway(0, await session('tracer-a')), onGateway(1, await session('tracer-b'))]);
    for (const s of [a, b]) {
      s.send({ type: 'join_room', data: { room_id: 'general' } });
      await s.next(isType('system_message', 'room_joined'));
    }
    a.sendText('traced', 'general', { client_msg_id: 'traced-1' });
    await a.next(isType('message_ack'));
    await b.next((f) => f.type === 'text_message' && f.data['content'] === 'traced');

    let trace: ReceivedSpan[] = [];
    const one = (name: string) => trace.filter((s) => s.name === name);
    await expect
      .poll(() => {
        const root = collector.spans.find((s) => s.name === 'text_message' && s.service === 'parley-gateway');
        trace = collector.spans.filter((s) => s.traceId === root?.traceId);
        return one('receive chat.room.general').length;
      }, poll)
      .toBe(2);
    const [root] = one('text_message');
    const [request] = one('request api.message.append');
    const [serve] = one('serve api.message.append');
    const [statement] = one('SELECT parley_append_messages');
    expect(request).toMatchObject({ service: 'parley-gateway', parentSpanId: root!.spanId });
    expect(serve).toMatchObject({ service: 'parley-api', parentSpanId: request!.spanId });
    expect(statement).toMatchObject({ service: 'parley-api', parentSpanId: serve!.spanId });
    const deliveries = one('receive chat.room.general');
    expect(new Set(deliveries.map((d) => d.instance))).toEqual(new Set(['gateway-1', 'gateway-2']));
    for (const d of deliveries) expect(d.parentSpanId).toBe(serve!.spanId);
    for (const s of [a, b]) s.close();
  });

  it('answers a REST request with its trace id in a header and in an error envelope, and exports its span', async () => {
    const res = await fetch(`${stack.url}/api/rooms/no-such-room/`);
    expect(res.status).toBe(404);
    const traceId = res.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(((await res.json()) as { details?: { trace_id?: string } }).details?.trace_id).toBe(traceId);
    await expect.poll(() => collector.spans.find((s) => s.traceId === traceId)?.name, poll).toBe('GET /api/rooms/:room_id/');
  });
});
