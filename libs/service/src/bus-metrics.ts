import type { BusObserver } from '@parley/bus';
import type { Metrics } from '@parley/observability';
import { Histogram } from 'prom-client';

/** From sub-millisecond NATS round trips to request timeouts of seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Bus latency by endpoint subject and outcome, on the service's registry:
 * `parley_bus_request_duration_seconds` (requests this process made, reply included) and
 * `parley_bus_serve_duration_seconds` (requests this process answered, handler only).
 */
export function busMetrics(metrics: Metrics): BusObserver {
  const registers = [metrics.registry];
  const labelNames = ['subject', 'outcome'] as const;
  const requests = new Histogram({
    name: 'parley_bus_request_duration_seconds',
    help: 'Bus requests made by this process, send to reply, by endpoint subject and outcome',
    labelNames,
    buckets: BUCKETS,
    registers,
  });
  const served = new Histogram({
    name: 'parley_bus_serve_duration_seconds',
    help: 'Bus requests answered by this process, handler time, by endpoint subject and outcome',
    labelNames,
    buckets: BUCKETS,
    registers,
  });
  return {
    onRequest: (subject, seconds, outcome) => requests.observe({ subject, outcome }, seconds),
    onServe: (subject, seconds, outcome) => served.observe({ subject, outcome }, seconds),
  };
}
