import type { Metrics } from '@parley/observability';
import { Counter, Gauge } from 'prom-client';

/** The presence service's own series, on the service's registry. */
export interface PresenceMetrics {
  readonly events: Counter<'kind' | 'outcome'>;
  readonly roomEvents: Counter<'action'>;
  readonly expired: Counter;
  readonly healthz: Counter<'status'>;
  readonly stackInstances: Gauge<'service'>;
}

export function presenceMetrics(metrics: Metrics, probes: { redisUp(): boolean; onlineUsers(): Promise<number> }): PresenceMetrics {
  const registers = [metrics.registry];
  new Gauge({
    name: 'parley_presence_redis_up',
    help: '1 while the Redis connection is ready, else 0',
    registers,
    collect() {
      this.set(probes.redisUp() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'parley_presence_online_users',
    help: 'Distinct users with at least one live connection (not updated while Redis is unreachable)',
    registers,
    async collect() {
      // A scrape must not fail because Redis does: keep the last value.
      await probes.onlineUsers().then(
        (n) => this.set(n),
        () => undefined,
      );
    },
  });
  return {
    events: new Counter({
      name: 'parley_presence_events_total',
      help: 'Gateway presence events handled by this instance, by kind and outcome (applied | failed)',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    roomEvents: new Counter({
      name: 'parley_presence_room_events_total',
      help: 'user_joined / user_left system events published to rooms',
      labelNames: ['action'],
      registers,
    }),
    expired: new Counter({
      name: 'parley_presence_expired_connections_total',
      help: 'Connections removed by the sweeper because their gateway stopped refreshing them',
      registers,
    }),
    healthz: new Counter({
      name: 'parley_presence_healthz_total',
      help: 'Stack health collections (for /healthz or the background poll) by overall status',
      labelNames: ['status'],
      registers,
    }),
    stackInstances: new Gauge({
      name: 'parley_presence_stack_instances',
      help: 'Instances that answered the last health probe, by service',
      labelNames: ['service'],
      registers,
    }),
  };
}
