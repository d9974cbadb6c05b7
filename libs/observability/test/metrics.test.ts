import { Counter, register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/index.js';

describe('createMetrics', () => {
  it('exposes custom metrics with the default labels', async () => {
    const metrics = createMetrics({ service: 'gateway', instanceId: 'gw-1', collectDefault: false });
    const counter = new Counter({ name: 'parley_gateway_messages_in_total', help: 'Frames received', labelNames: ['type'], registers: [metrics.registry] });
    counter.inc({ type: 'text_message' }, 3);

    const text = await metrics.text();
    expect(text).toContain('# TYPE parley_gateway_messages_in_total counter');
    expect(text).toMatch(/^parley_gateway_messages_in_total\{(?=[^}]*type="text_message")(?=[^}]*service="gateway")(?=[^}]*instance_id="gw-1")[^}]*\} 3$/m);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('collects default Node metrics under their standard names, labelled with service and instance', async () => {
    const metrics = createMetrics({ service: 'api', instanceId: 'api-1' });
    const text = await metrics.text();
    expect(text).toMatch(/^process_cpu_seconds_total\{(?=[^}]*service="api")(?=[^}]*instance_id="api-1")[^}]*\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{[^}]*service="api"[^}]*\} /m);
    expect(text).toContain('nodejs_heap_size_used_bytes{');
    expect(text).not.toMatch(/^parley_(process|nodejs)_/m);
  });

  it('gives every instance its own registry, never the global one', async () => {
    const a = createMetrics({ service: 'gateway', instanceId: 'gw-a' });
    const b = createMetrics({ service: 'gateway', instanceId: 'gw-b' });
    for (const [metrics, n] of [
      [a, 1],
      [b, 2],
    ] as const) {
      new Counter({ name: 'parley_gateway_connections_total', help: 'Connections', registers: [metrics.registry] }).inc(n);
    }
    const [textA, textB] = await Promise.all([a.text(), b.text()]);
    expect(textA).toMatch(/^parley_gateway_connections_total\{[^}]*instance_id="gw-a"[^}]*\} 1$/m);
    expect(textA).not.toContain('gw-b');
    expect(textB).toMatch(/^parley_gateway_connections_total\{[^}]*instance_id="gw-b"[^}]*\} 2$/m);
    expect(globalRegistry.getSingleMetric('parley_gateway_connections_total')).toBeUndefined();
    expect(globalRegistry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
  });
});
