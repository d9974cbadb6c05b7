import { Registry, collectDefaultMetrics } from 'prom-client';

/** Prefix of Parley's own metric names. Node's default metrics keep their standard names. */
export const METRIC_PREFIX = 'parley_';

export interface MetricsOptions {
  /** Service name, the `service` label on every series. */
  readonly service: string;
  /** This process's identity, the `instance_id` label on every series. */
  readonly instanceId: string;
  /**
   * Also collect Node's process metrics (CPU, memory, event-loop lag, GC) under their standard
   * names (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`), so stock Node dashboards
   * work; the `service` and `instance_id` labels tell the processes apart. Default `true`.
   */
  readonly collectDefault?: boolean;
}

export interface Metrics {
  /**
   * This service's own registry (never prom-client's global one). Register metrics on it with
   * `new Counter({ name: 'parley_gateway_messages_in_total', help, registers: [metrics.registry] })`.
   */
  readonly registry: Registry;
  /** The `Content-Type` of {@link Metrics.text}, for the `/metrics` response. */
  readonly contentType: string;
  /** Every metric in the registry, in the Prometheus text exposition format. */
  text(): Promise<string>;
}

/**
 * Creates a service's metrics registry with `service` and `instance_id` as default labels on every
 * series. Each call builds an independent registry, so two services (or two instances in one
 * test process) never collide over a metric name.
 *
 * The label is `instance_id`, not `instance`: Prometheus attaches its own `instance` target label
 * when scraping, and would rename ours to `exported_instance`.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const { service, instanceId, collectDefault = true } = options;
  const registry = new Registry();
  registry.setDefaultLabels({ service, instance_id: instanceId });
  if (collectDefault) collectDefaultMetrics({ register: registry });
  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
  };
}
