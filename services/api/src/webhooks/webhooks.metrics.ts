import type { Metrics } from '@parley/observability';
import { Counter, Histogram } from 'prom-client';

export interface WebhookMetrics {
  readonly relayed: Counter;
  readonly attempts: Counter<'outcome'>;
  readonly deadLetters: Counter;
  readonly attemptSeconds: Histogram;
}

export function webhookMetrics(metrics: Metrics): WebhookMetrics {
  const registers = [metrics.registry];
  return {
    relayed: new Counter({ name: 'parley_api_webhook_events_relayed_total', help: 'Outbox events published to JetStream', registers }),
    attempts: new Counter({
      name: 'parley_api_webhook_attempts_total',
      help: 'Webhook POSTs by outcome (delivered, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    deadLetters: new Counter({ name: 'parley_api_webhook_dead_letters_total', help: 'Deliveries that ran out of attempts', registers }),
    attemptSeconds: new Histogram({
      name: 'parley_api_webhook_attempt_seconds',
      help: 'Duration of each webhook POST',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
