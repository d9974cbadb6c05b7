import { subjects } from '@parley/bus';
import { InstanceHealthSchema } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { useStacks } from './stack.js';

const { stack } = useStacks();

describe('GET /healthz', () => {
  it('answers in the seed’s exact shape: healthy with an API and a gateway answering', async () => {
    const s = await stack();
    await s.api();
    await s.gateway().serveHealth();
    const { status, body, cacheControl } = await s.healthz();
    expect(status).toBe(200);
    expect(cacheControl).toBe('no-store');
    expect(body).toMatchObject({
      status: 'healthy',
      version: '0.0.0-test',
      components: { database: 'healthy', redis: 'healthy', websocket: 'healthy', nats: 'healthy' },
      metrics: { active_connections: 0, total_messages_processed: 0 },
    });
    expect(Object.keys(body)).toEqual(['status', 'timestamp', 'version', 'components', 'metrics']);
    expect(Object.keys(body.metrics)).toEqual(['active_connections', 'total_messages_processed', 'uptime_seconds']);
    expect(Date.parse(body.timestamp)).not.toBeNaN();

    // Presence answers the probe itself, like every instance.
    const replies = await s.bus().gather(subjects.healthProbe, {}, { maxWaitMs: 250 });
    const own = replies.flatMap((r) => (r.ok ? [InstanceHealthSchema.parse(r.data)] : [])).find((i) => i.service === 'presence');
    expect(own).toMatchObject({ instance_id: s.presence.instanceId, status: 'healthy', components: { redis: 'healthy', nats: 'healthy' } });
    for (const path of ['/livez', '/readyz']) expect((await fetch(`${s.presence.url}${path}`)).status).toBe(200);
    expect(await (await fetch(`${s.presence.url}/metrics`)).text()).toMatch(/parley_presence_redis_up\{[^}]*\} 1/);
  });

  it('is unhealthy (503) when no gateway answers, and follows the API instances’ database checks', async () => {
    const s = await stack();
    const api = await s.api();
    expect(await s.healthz()).toMatchObject({ status: 503, body: { status: 'unhealthy', components: { websocket: 'unhealthy', database: 'healthy' } } });
    const g = s.gateway();
    await g.serveHealth();
    expect(await s.healthz()).toMatchObject({ status: 200, body: { status: 'healthy' } });
    const other = await s.api();
    other.database = 'unhealthy';
    expect(await s.healthz()).toMatchObject({ status: 200, body: { status: 'degraded', components: { database: 'degraded' } } });
    api.database = 'unhealthy';
    expect(await s.healthz()).toMatchObject({ status: 503, body: { status: 'unhealthy', components: { database: 'unhealthy' } } });
    await api.stop();
    await other.stop();
    expect(await s.healthz()).toMatchObject({ status: 503, body: { components: { database: 'unhealthy', websocket: 'healthy' } } });
    await g.vanish();
    expect(await s.healthz()).toMatchObject({ status: 503, body: { components: { websocket: 'unhealthy' } } });
  });

  it('sums active connections over live gateways and keeps a vanished gateway’s processed count', async () => {
    const s = await stack();
    await s.api();
    const [g1, g2] = [s.gateway(), s.gateway()];
    await g1.serveHealth();
    const metrics = async () => (await s.healthz()).body.metrics;
    const a = g1.connect('amy');
    g1.connect('ben');
    g1.messages = 5;
    expect(await metrics()).toMatchObject({ active_connections: 2, total_messages_processed: 5 });
    await g2.serveHealth();
    g2.connect('cid');
    g2.connect('dan');
    g2.connect('eve');
    g2.messages = 7;
    expect(await metrics()).toMatchObject({ active_connections: 5, total_messages_processed: 12 });
    g1.disconnect(a);
    expect(await metrics()).toMatchObject({ active_connections: 4 });
    await g2.vanish();
    g1.messages = 8;
    expect(await metrics()).toMatchObject({ active_connections: 1, total_messages_processed: 15 });
    // A gateway restarted under the same id (new start time) adds to the total, it does not replace it.
    g1.startedAt = Date.now() - 600_000;
    g1.messages = 100;
    const before = (await metrics()).total_messages_processed;
    g1.startedAt = Date.now();
    g1.messages = 1;
    expect((await metrics()).total_messages_processed).toBe(before + 1);
  });

  it('does not wait for a slow instance beyond the gather deadline', async () => {
    const s = await stack();
    await s.api();
    const g = s.gateway();
    await g.serveHealth();
    g.connect('fay');
    let release = (): void => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const slow = s.bus().serve(subjects.healthProbe, async () => {
      await stuck;
      throw new Error('too late');
    });
    await slow.ready;
    try {
      expect(await s.healthz()).toMatchObject({ status: 200, body: { status: 'healthy', metrics: { active_connections: 1 } } });
    } finally {
      release();
      slow.unsubscribe();
      await slow.closed;
    }
  });
});
