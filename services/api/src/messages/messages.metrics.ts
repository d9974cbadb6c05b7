import type { Metrics } from '@parley/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

export interface MessageMetrics {
  readonly stored: Counter;
  readonly events: Counter<'type'>;
  readonly batchSize: Histogram;
  readonly commitSeconds: Histogram;
  readonly relayLeader: Gauge;
}

export function messageMetrics(metrics: Metrics): MessageMetrics {
  const registers = [metrics.registry];
  return {
    stored: new Counter({ name: 'parley_api_messages_stored_total', help: 'Chat messages stored', registers }),
    events: new Counter({
      name: 'parley_api_events_stored_total',
      help: 'Durable events stored (edits, deletes, reactions), by type',
      labelNames: ['type'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'parley_api_append_batch_size',
      help: 'Messages committed per append transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'parley_api_append_commit_seconds',
      help: 'Duration of each append transaction (one group-committed batch)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    relayLeader: new Gauge({
      name: 'parley_api_publish_relay_leader',
      help: '1 while this instance is the publish relay (publishes every instance’s commits in commit order)',
      registers,
    }),
  };
}
