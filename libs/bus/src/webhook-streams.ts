import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { WebhookDelivery, WebhookEvent } from '@parley/protocol';

import { webhookSubjects } from './subjects.js';

/** Stream and consumer names may not hold dots or wildcards; the prefix's dots become underscores. */
function nameToken(prefix: string | undefined): string {
  return (prefix ?? 'parley').replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * The JetStream names of one deployment's webhooks, all derived from its `BUS_SUBJECT_PREFIX`
 * (so test runs and deployments sharing one NATS server never see each other's events):
 * - `events`: every event once (work queue: an event leaves when the fan-out consumer acks it);
 * - `deliveries`: one message per (event, endpoint), one durable consumer per endpoint (work queue
 *   with disjoint filters), so a dead endpoint's backlog never holds up another's.
 */
export function webhookStreams(prefix: string | undefined) {
  const token = nameToken(prefix);
  return Object.freeze({
    subjects: webhookSubjects(prefix),
    events: `${token}_webhook_events`,
    deliveries: `${token}_webhook_deliveries`,
    /** The durable consumer of `events` every api instance pulls from (each event fanned out by one). */
    fanoutConsumer: 'fanout',
    /** The durable consumer of one endpoint's deliveries, shared by every api instance. */
    deliveryConsumer: (webhookId: string): string => `webhook_${webhookId}`,
  });
}
export type WebhookStreams = ReturnType<typeof webhookStreams>;

/** How long JetStream remembers a `Nats-Msg-Id`: a relay retrying within it publishes nothing twice. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
const ms = (n: number): number => n * 1_000_000;

/**
 * Creates both streams, or brings an existing one to this configuration. File storage: events
 * survive a NATS restart. `replicas` (default 1): copies of each stream on a JetStream cluster; a
 * stream of 1 lives on one node and is unavailable while that node is down, 3 survive the loss of
 * any one node of three. A single server accepts only 1. Idempotent; every api instance calls it
 * at start.
 */
export async function ensureWebhookStreams(jsm: JetStreamManager, names: WebhookStreams, options: { maxAgeMs: number; replicas?: number }): Promise<void> {
  const common: Partial<StreamConfig> = {
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: ms(options.maxAgeMs),
    duplicate_window: ms(DUPLICATE_WINDOW_MS),
    num_replicas: options.replicas ?? 1,
  };
  for (const config of [
    { ...common, name: names.events, subjects: [names.subjects.events] },
    { ...common, name: names.deliveries, subjects: [names.subjects.deliveries] },
  ]) {
    const existing = await jsm.streams.info(config.name).catch(() => undefined);
    if (existing) await jsm.streams.update(config.name, config);
    else await jsm.streams.add(config);
  }
}

/**
 * Publishes webhook events and deliveries to JetStream, each under its id as `Nats-Msg-Id`, so a
 * publish retried after an unanswered ack is stored once. Resolves once JetStream has stored it.
 */
export class WebhookPublisher {
  constructor(
    private readonly js: JetStreamClient,
    readonly names: WebhookStreams,
  ) {}

  async event(event: WebhookEvent): Promise<void> {
    await this.js.publish(this.names.subjects.event(event.type), JSON.stringify(event), { msgID: event.id });
  }

  /** `dedupId` defaults to event id + endpoint: a fan-out retried after a crash adds no second delivery. */
  async delivery(delivery: WebhookDelivery, dedupId = `${delivery.event.id}:${delivery.webhook_id}`): Promise<void> {
    await this.js.publish(this.names.subjects.delivery(delivery.webhook_id), JSON.stringify(delivery), { msgID: dedupId });
  }
}

/**
 * A JetStream client and manager on `nc` (the caller owns and closes the connection). Asks the
 * server nothing: on a cluster electing a new JetStream leader (seconds after a node is lost) the
 * account check nats.js makes by default timed out and took the starting process down with it;
 * the first real call fails instead, and its caller retries.
 */
export async function webhookJetStream(nc: NatsConnection): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
  return { js: jetstream(nc), jsm: await jetstreamManager(nc, { checkAPI: false }) };
}
