import type { NatsConnection } from '@nats-io/transport-node';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { serviceUrl, uniqueId } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { connectNats } from '../src/connect.js';
import { createNatsBus } from '../src/nats.js';
import type { Bus } from '../src/types.js';
import { capturingLogger, echo, numbers } from './helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const connections: NatsConnection[] = [];
let client: Bus;
let server: Bus;
let listeners: Bus[];

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const prefix = uniqueId('trace');
  const bus = async () => {
    const nc = await connectNats({ servers: serviceUrl('nats'), name: uniqueId('trace') });
    connections.push(nc);
    return createNatsBus(nc, { logger: capturingLogger(), subjectPrefix: prefix });
  };
  [client, server, ...listeners] = await Promise.all([bus(), bus(), bus(), bus()]);
});
afterAll(async () => {
  await Promise.all([client, server, ...listeners].map((b) => b?.drain()));
  await Promise.all(connections.map((nc) => nc.close()));
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('trace context over NATS headers (in-memory span exporter)', () => {
  it('makes request → serve → publish → receive on every subscriber one trace', async () => {
    const received: string[] = [];
    await Promise.all(
      listeners.map(
        (l, i) => l.subscribe(numbers, () => void received.push(trace.getActiveSpan()?.spanContext().traceId ?? `none-${i}`), { queue: null }).ready,
      ),
    );
    await server.serve(echo, ({ text }) => {
      server.publish(numbers, { n: text.length });
      return { text };
    }).ready;

    const root = trace.getTracer('test').startSpan('user action');
    await context.with(trace.setSpan(context.active(), root), () => client.request(echo, { text: 'hi' }, { timeoutMs: 2_000 }));
    root.end();
    await vi.waitFor(() => expect(received).toHaveLength(2));

    const traceId = root.spanContext().traceId;
    expect(received).toEqual([traceId, traceId]);
    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [request] = named('request svc.echo');
    const [serve] = named('serve svc.echo');
    expect(request?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(serve?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    // One delivery span per subscriber, each a child of the span that published.
    const receives = named('receive t.numbers');
    expect(receives).toHaveLength(2);
    for (const r of receives) expect(r.parentSpanContext?.spanId).toBe(serve?.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
  });

  it('sends no headers and makes no span for a message published outside any trace', async () => {
    exporter.reset();
    const got: (string | undefined)[] = [];
    await listeners[0]!.subscribe(numbers, () => void got.push(trace.getActiveSpan()?.spanContext().traceId), { queue: null }).ready;
    server.publish(numbers, { n: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got).toEqual([undefined]);
    expect(exporter.getFinishedSpans().filter((s) => s.name.startsWith('receive'))).toEqual([]);
  });
});
