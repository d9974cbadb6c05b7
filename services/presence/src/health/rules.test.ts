import { HealthResponseSchema, type ComponentStatus, type InstanceHealth } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { overallStatus, replicatedStatus, STACK_CRITICAL, summarize } from './rules.js';

function instance(service: InstanceHealth['service'], components: Record<string, ComponentStatus>, metrics: InstanceHealth['metrics'] = {}): InstanceHealth {
  return { service, instance_id: `${service}-1`, version: '1.0.0', status: 'healthy', uptime_seconds: 5, components, metrics };
}
const self = instance('presence', { redis: 'healthy', nats: 'healthy' });

describe('replicatedStatus', () => {
  it.each<[ComponentStatus[], ComponentStatus]>([
    [[], 'unhealthy'],
    [['healthy'], 'healthy'],
    [['healthy', 'healthy'], 'healthy'],
    [['healthy', 'unhealthy'], 'degraded'],
    [['degraded', 'unhealthy'], 'degraded'],
    [['degraded'], 'degraded'],
    [['unhealthy', 'unhealthy'], 'unhealthy'],
  ])('%j → %s', (statuses, expected) => {
    expect(replicatedStatus(statuses)).toBe(expected);
  });
});

describe('overallStatus', () => {
  it('is unhealthy only when a critical component is, degraded when anything else is off', () => {
    const ok = { database: 'healthy', redis: 'healthy', websocket: 'healthy', nats: 'healthy' } as const;
    expect(overallStatus(ok, STACK_CRITICAL)).toBe('healthy');
    expect(overallStatus({ ...ok, redis: 'unhealthy' }, STACK_CRITICAL)).toBe('degraded');
    expect(overallStatus({ ...ok, database: 'degraded' }, STACK_CRITICAL)).toBe('degraded');
    for (const critical of STACK_CRITICAL) expect(overallStatus({ ...ok, [critical]: 'unhealthy' }, STACK_CRITICAL)).toBe('unhealthy');
  });
});

describe('summarize', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');

  it('builds the seed shape from the instances that answered', () => {
    const report = summarize({
      self,
      instances: [
        instance('api', { database: 'healthy', nats: 'healthy' }),
        instance('gateway', { websocket: 'healthy', nats: 'healthy' }, { active_connections: 3, total_messages_processed: 10 }),
        instance('gateway', { websocket: 'healthy', nats: 'healthy' }, { active_connections: 4, total_messages_processed: 20 }),
        self,
      ],
      totalMessages: 42,
      version: '1.0.0',
      now,
    });
    expect(report).toEqual({
      status: 'healthy',
      timestamp: '2026-01-01T00:00:00.000Z',
      version: '1.0.0',
      components: { database: 'healthy', redis: 'healthy', websocket: 'healthy', nats: 'healthy' },
      metrics: { active_connections: 7, total_messages_processed: 42, uptime_seconds: 5 },
    });
    expect(HealthResponseSchema.parse(report)).toEqual(report);
  });

  it('is unhealthy with no API or no gateway answering, degraded without Redis', () => {
    const base = { totalMessages: 0, version: '1.0.0', now };
    const api = instance('api', { database: 'healthy', nats: 'healthy' });
    const gateway = instance('gateway', { websocket: 'healthy', nats: 'healthy' });
    expect(summarize({ ...base, self, instances: [api] })).toMatchObject({ status: 'unhealthy', components: { websocket: 'unhealthy' } });
    expect(summarize({ ...base, self, instances: [gateway] })).toMatchObject({ status: 'unhealthy', components: { database: 'unhealthy' } });
    const noRedis = instance('presence', { redis: 'unhealthy', nats: 'healthy' });
    expect(summarize({ ...base, self: noRedis, instances: [api, gateway] })).toMatchObject({ status: 'degraded', components: { redis: 'unhealthy' } });
  });

  it('judges an instance that omits the component by its own status', () => {
    const api = { ...instance('api', { nats: 'healthy' }), status: 'unhealthy' as const };
    const gateway = instance('gateway', { websocket: 'healthy' });
    expect(summarize({ self, instances: [api, gateway], totalMessages: 0, version: '1', now }).components.database).toBe('unhealthy');
  });
});
