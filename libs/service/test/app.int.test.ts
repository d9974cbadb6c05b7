import { connectNats, createNatsBus, subjects, type Bus } from '@parley/bus';
import { createLogger, createMetrics } from '@parley/observability';
import type { ComponentStatus, InstanceHealth } from '@parley/protocol';
import { serviceUrl, uniqueId } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceApp, type ServiceAppOptions } from '../src/index.js';

let nc: Awaited<ReturnType<typeof connectNats>>;
const buses: Bus[] = [];
beforeAll(async () => {
  nc = await connectNats({ servers: serviceUrl('nats'), name: 'service-app-test' });
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.drain()));
  await nc?.drain();
});

const logger = createLogger({ service: 'api', level: 'silent' });
const newBus = (prefix: string) => {
  const bus = createNatsBus(nc, { logger, subjectPrefix: prefix });
  buses.push(bus);
  return bus;
};

function shell(components: Record<string, ComponentStatus>, extra: Partial<ServiceAppOptions> = {}) {
  const prefix = uniqueId('shell');
  const bus = newBus(prefix);
  const created = createServiceApp({
    bus,
    logger,
    metrics: createMetrics({ service: 'api', instanceId: 'shell-test', collectDefault: false }),
    health: { service: 'api', instanceId: 'api-shell-1', version: '9.9.9', check: () => ({ components, metrics: { active_connections: 2 } }) },
    ...extra,
  });
  return { ...created, prefix, peer: newBus(prefix) };
}

describe('createServiceApp', () => {
  it('serves /livez, /readyz and the health probe from one report, with nats added', async () => {
    const s = shell({ database: 'healthy' });
    await s.app.ready();
    expect((await s.app.inject({ url: '/livez' })).json()).toEqual({ status: 'ok' });
    const ready = await s.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.headers['cache-control']).toBe('no-store');
    const report = ready.json<InstanceHealth>();
    expect(report).toMatchObject({
      service: 'api',
      instance_id: 'api-shell-1',
      version: '9.9.9',
      status: 'healthy',
      components: { database: 'healthy', nats: 'healthy' },
      metrics: { active_connections: 2 },
    });
    const replies = await s.peer.gather(subjects.healthProbe, {}, { maxWaitMs: 500 });
    expect(replies).toEqual([{ ok: true, data: { ...report, uptime_seconds: expect.any(Number) } }]);
    expect((await s.app.inject({ url: '/metrics' })).headers['content-type']).toMatch(/^text\/plain/);
    await s.app.close();
  });

  it('is unhealthy (503) when a critical component is, and only degraded (200) for the others', async () => {
    const allCritical = shell({ database: 'unhealthy' });
    expect((await allCritical.app.inject({ url: '/readyz' })).statusCode).toBe(503);
    const natsOnly = shell({ redis: 'unhealthy' });
    const degraded = createServiceApp({
      bus: natsOnly.peer,
      logger,
      metrics: createMetrics({ service: 'presence', instanceId: 'shell-test', collectDefault: false }),
      health: { service: 'presence', instanceId: 'p-1', version: '1', check: () => ({ components: { redis: 'unhealthy' } }), critical: ['nats'] },
    });
    const res = await degraded.app.inject({ url: '/readyz' });
    expect([res.statusCode, res.json().status]).toEqual([200, 'degraded']);
    await Promise.all([allCritical.app.close(), natsOnly.app.close(), degraded.app.close()]);
  });

  it('answers unknown routes and errors with the error envelope, and lets a service render its own', async () => {
    class Teapot extends Error {}
    const s = shell(
      { database: 'healthy' },
      {
        errors: {
          render: (e) => (e instanceof Teapot ? { statusCode: 418, data: { error_code: 'VALIDATION_ERROR', error_message: 'short and stout' } } : undefined),
        },
      },
    );
    s.app.get('/boom', () => {
      throw new Error('secret detail');
    });
    s.app.get('/teapot', () => {
      throw new Teapot();
    });
    s.app.post('/echo', (request) => request.body);
    const missing = await s.app.inject({ url: '/nowhere?x=1' });
    expect([missing.statusCode, missing.json()]).toEqual([404, { error_code: 'NOT_FOUND', error_message: 'No route for GET /nowhere' }]);
    const boom = await s.app.inject({ url: '/boom' });
    expect([boom.statusCode, boom.json()]).toEqual([500, { error_code: 'INTERNAL_ERROR', error_message: 'Internal server error' }]);
    const bad = await s.app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{' });
    expect([bad.statusCode, bad.json().error_code]).toEqual([400, 'VALIDATION_ERROR']);
    const teapot = await s.app.inject({ url: '/teapot' });
    expect([teapot.statusCode, teapot.json().error_message]).toEqual([418, 'short and stout']);
    await s.app.close();
  });

  it('starts workers once its subscriptions are live; on close stops them, ends the subscriptions, then drains', async () => {
    const s = shell({ database: 'healthy' });
    const order: string[] = [];
    const topic = subjects.api.statsReport;
    let delivered!: () => void;
    const arrived = new Promise<void>((resolve) => (delivered = resolve));
    s.serve(
      s.peer.subscribe(topic, () => {
        order.push('delivered');
        delivered();
      }),
    );
    s.run(
      { start: () => order.push('a started'), stop: () => void order.push('a stopped'), drained: async () => void order.push('a drained') },
      {
        start: () => order.push('b started'),
        // A final report sent while stopping still reaches the subscriptions: they end after every stop.
        stop: async () => {
          s.peer.publish(topic, { gateway_id: 'gw', sessions: [] });
          await arrived;
          order.push('b stopped');
        },
      },
    );
    await s.app.ready();
    expect(order).toEqual(['a started', 'b started']);
    await s.app.close();
    expect(order).toEqual(['a started', 'b started', 'a stopped', 'delivered', 'b stopped', 'a drained']);
  });
});
