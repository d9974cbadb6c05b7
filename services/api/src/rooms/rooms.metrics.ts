import type { Metrics } from '@parley/observability';
import { Counter } from 'prom-client';

export interface RoomMetrics {
  readonly presenceMisses: Counter;
}

export function roomMetrics(metrics: Metrics): RoomMetrics {
  return {
    presenceMisses: new Counter({
      name: 'parley_api_presence_unavailable_total',
      help: 'Room listings answered without presence counts because presence did not reply in time',
      registers: [metrics.registry],
    }),
  };
}
