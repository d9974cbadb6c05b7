import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { ensureWebhookStreams, WebhookPublisher, webhookStreams, type WebhookStreams } from '@parley/bus';
import type { Logger, Metrics } from '@parley/observability';
import { WebhookEventSchema, type CreateWebhookBody } from '@parley/protocol';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/db.js';
import { deliveryHandler, type DeliveryPolicy, type Endpoint } from './deliver.js';
import { startOutboxRelay, type OutboxRelay } from './outbox-relay.js';
import { pump, type Pump } from './pump.js';
import { deleteEndpoint, endpointsFor, insertEndpoint, listEndpoints, type EndpointRow } from './webhooks.repository.js';
import { webhookMetrics, type WebhookMetrics } from './webhooks.metrics.js';

export interface WebhookSettings extends DeliveryPolicy {
  /** The deployment's `BUS_SUBJECT_PREFIX`: names its streams and subjects. */
  readonly prefix: string | undefined;
  /** POSTs in flight per endpoint per api instance. */
  readonly concurrency: number;
  /** How often the outbox is polled for committed events. */
  readonly relayIntervalMs: number;
  /** How often an instance looks for endpoints registered or removed by another. */
  readonly syncIntervalMs: number;
  /** How long an undelivered event stays in JetStream. */
  readonly retentionMs: number;
  /** Copies of each stream on a JetStream cluster (1 on a single server). */
  readonly streamReplicas?: number;
}

export interface WebhookDeps {
  db: Db;
  js: JetStreamClient;
  jsm: JetStreamManager;
  logger: Logger;
  metrics: Metrics;
}

/**
 * The webhook engine of one api instance, beside the chat path (its own JetStream consumers and
 * HTTP client; chat never waits on it):
 * outbox (Postgres, same transaction as the change) → relay → events stream → fan-out (one
 * delivery per subscribed endpoint) → deliveries stream → one durable consumer per endpoint,
 * shared by every api instance → signed POST, backoff, dead letter.
 */
export class WebhookEngine {
  readonly names: WebhookStreams;
  readonly publisher: WebhookPublisher;
  private readonly m: WebhookMetrics;
  private relay: OutboxRelay | undefined;
  private fanout: Pump | undefined;
  private readonly endpoints = new Map<string, Pump>();
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: WebhookDeps,
    private readonly settings: WebhookSettings,
  ) {
    this.names = webhookStreams(settings.prefix);
    this.publisher = new WebhookPublisher(deps.js, this.names);
    this.m = webhookMetrics(deps.metrics);
  }

  private started: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  /**
   * Creates the streams and consumers, then relays, fans out and delivers. Without JetStream it
   * retries (1 s doubling to 30 s) until it succeeds or the engine stops; the outbox keeps every
   * event meanwhile. Idempotent: every call shares the first's promise.
   */
  start(): Promise<void> {
    return (this.started ??= this.runWithRetries());
  }

  private async runWithRetries(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        return await this.run();
      } catch (err) {
        this.deps.logger.warn({ err, attempt }, 'webhooks not started (is JetStream reachable?); retrying');
        await sleep(Math.min(30_000, 1_000 * 2 ** (attempt - 1)), this.stopping.signal);
      }
    }
  }

  private async run(): Promise<void> {
    const { db, js, jsm, logger } = this.deps;
    await ensureWebhookStreams(jsm, this.names, { maxAgeMs: this.settings.retentionMs, replicas: this.settings.streamReplicas });
    await this.ensureConsumer(this.names.events, { durable_name: this.names.fanoutConsumer, ack_wait: 30_000 * 1e6, max_ack_pending: 1_000 });
    const fanoutConsumer = await js.consumers.get(this.names.events, this.names.fanoutConsumer);
    this.fanout = await pump(fanoutConsumer, 16, (msg) => this.fanOut(msg), logger);
    this.relay = startOutboxRelay({ db, publisher: this.publisher, logger, onRelayed: (n) => this.m.relayed.inc(n) }, this.settings.relayIntervalMs);
    await this.sync();
    this.syncTimer = setInterval(() => void this.sync(), this.settings.syncIntervalMs);
    this.syncTimer.unref();
  }

  /** Stops pulling and waits for the POSTs in flight (unacked deliveries return to JetStream). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.started?.catch(() => undefined);
    clearInterval(this.syncTimer);
    await this.syncing;
    await Promise.all([this.relay?.stop(), this.fanout?.stop(), ...[...this.endpoints.values()].map((p) => p.stop())]);
    this.endpoints.clear();
  }

  /** Publishes what the outbox holds now (tests; the relay's timer does it otherwise). */
  flushOutbox(): Promise<number> {
    return this.relay?.flush() ?? Promise.resolve(0);
  }

  /** Registers an endpoint: its consumer first, so no delivery fanned out to it can find none. */
  async create(body: CreateWebhookBody): Promise<EndpointRow> {
    const webhookId = randomUUID();
    await this.ensureDeliveryConsumer(webhookId);
    try {
      const row = await insertEndpoint(this.deps.db, webhookId, body);
      await this.sync();
      return row;
    } catch (err) {
      await this.dropDeliveries(webhookId);
      throw err;
    }
  }

  /** Removes an endpoint, its consumer and its pending deliveries; false if there was none. */
  async remove(webhookId: string): Promise<boolean> {
    if (!(await deleteEndpoint(this.deps.db, webhookId))) return false;
    await this.sync();
    await this.dropDeliveries(webhookId);
    return true;
  }

  /**
   * Sends a dead letter's event to its endpoint again, as a new delivery with the full number of
   * attempts (the event keeps its id), and removes the record once JetStream holds the delivery.
   * False if there is no such dead letter.
   */
  async replay(webhookId: string, deadLetterId: string): Promise<boolean> {
    return this.deps.db.transaction().execute(async (tx) => {
      const letter = await tx
        .selectFrom('webhook_dead_letters')
        .selectAll()
        .where('dead_letter_id', '=', deadLetterId)
        .where('webhook_id', '=', webhookId)
        .forUpdate()
        .executeTakeFirst();
      if (!letter) return false;
      await this.publisher.delivery({ webhook_id: letter.webhook_id, event: letter.event }, `replay:${letter.dead_letter_id}`);
      await tx.deleteFrom('webhook_dead_letters').where('dead_letter_id', '=', deadLetterId).execute();
      return true;
    });
  }

  private async fanOut(msg: JsMsg): Promise<void> {
    const parsed = WebhookEventSchema.safeParse(parseJson(msg.data));
    if (!parsed.success) {
      this.deps.logger.error({ subject: msg.subject }, 'invalid webhook event; dropped');
      msg.term('invalid event');
      return;
    }
    const event = parsed.data;
    try {
      const targets = await endpointsFor(this.deps.db, event.type);
      await Promise.all(targets.map((t) => this.publisher.delivery({ webhook_id: t.webhook_id, event })));
      msg.ack();
    } catch (err) {
      this.deps.logger.warn({ err, event_id: event.id }, 'webhook fan-out failed; retrying');
      msg.nak(1_000);
    }
  }

  /** Starts a pump for every endpoint this instance does not serve yet; stops those removed. */
  private sync(): Promise<void> {
    const run = async () => {
      const rows = await listEndpoints(this.deps.db);
      const live = new Set(rows.map((r) => r.webhook_id));
      for (const [id, p] of this.endpoints) {
        if (!live.has(id)) {
          this.endpoints.delete(id);
          await p.stop();
        }
      }
      for (const row of rows) {
        if (this.stopped || this.endpoints.has(row.webhook_id)) continue;
        await this.ensureDeliveryConsumer(row.webhook_id);
        const consumer = await this.deps.js.consumers.get(this.names.deliveries, this.names.deliveryConsumer(row.webhook_id));
        const endpoint: Endpoint = { webhook_id: row.webhook_id, url: row.url, secret: row.secret };
        const handler = deliveryHandler({ db: this.deps.db, logger: this.deps.logger, metrics: this.m }, endpoint, this.settings);
        this.endpoints.set(row.webhook_id, await pump(consumer, this.settings.concurrency, handler, this.deps.logger));
      }
    };
    const previous = this.syncing ?? Promise.resolve();
    const next = previous.then(run).catch((err: unknown) => this.deps.logger.warn({ err }, 'webhook endpoint sync failed; retrying'));
    this.syncing = next;
    return next;
  }

  private ensureDeliveryConsumer(webhookId: string): Promise<void> {
    return this.ensureConsumer(this.names.deliveries, {
      durable_name: this.names.deliveryConsumer(webhookId),
      filter_subject: this.names.subjects.delivery(webhookId),
      // Longer than a POST may take: a delivery is redelivered only when its instance died mid-POST.
      ack_wait: (this.settings.timeoutMs + 15_000) * 1e6,
      max_ack_pending: 256,
    });
  }

  private async ensureConsumer(stream: string, config: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
    const full: Partial<ConsumerConfig> = { ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_deliver: -1, ...config };
    const existing = await this.deps.jsm.consumers.info(stream, config.durable_name).catch(() => undefined);
    if (existing) await this.deps.jsm.consumers.update(stream, config.durable_name, full);
    else await this.deps.jsm.consumers.add(stream, full);
  }

  private async dropDeliveries(webhookId: string): Promise<void> {
    const { jsm, logger } = this.deps;
    await jsm.consumers.delete(this.names.deliveries, this.names.deliveryConsumer(webhookId)).catch(() => undefined);
    await jsm.streams.purge(this.names.deliveries, { filter: this.names.subjects.delivery(webhookId) }).catch((err: unknown) => {
      logger.warn({ err, webhook_id: webhookId }, 'could not purge a removed endpoint’s deliveries (they expire with the stream’s max age)');
    });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}

type WebhookConfigKey =
  | 'WEBHOOK_TIMEOUT_MS'
  | 'WEBHOOK_MAX_ATTEMPTS'
  | 'WEBHOOK_BACKOFF_BASE_MS'
  | 'WEBHOOK_BACKOFF_MAX_MS'
  | 'WEBHOOK_CONCURRENCY'
  | 'WEBHOOK_RELAY_INTERVAL_MS'
  | 'WEBHOOK_RETENTION_MS'
  | 'WEBHOOK_STREAM_REPLICAS';

/** The engine's settings from the api's config. */
export function webhookSettings(config: Pick<ApiConfig, WebhookConfigKey>, prefix: string | undefined): WebhookSettings {
  return {
    prefix,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    backoffBaseMs: config.WEBHOOK_BACKOFF_BASE_MS,
    backoffMaxMs: config.WEBHOOK_BACKOFF_MAX_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    relayIntervalMs: config.WEBHOOK_RELAY_INTERVAL_MS,
    syncIntervalMs: 2_000,
    retentionMs: config.WEBHOOK_RETENTION_MS,
    streamReplicas: config.WEBHOOK_STREAM_REPLICAS,
  };
}
