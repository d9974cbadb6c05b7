import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from '@parley/observability';
import { WebhookDeliverySchema, type WebhookEvent } from '@parley/protocol';
import type { Db } from '../db/db.js';
import { insertDeadLetter } from './webhooks.repository.js';
import type { WebhookMetrics } from './webhooks.metrics.js';
import { signatureHeader } from './signature.js';

export interface DeliveryPolicy {
  /** How long one POST may take before it counts as failed. */
  readonly timeoutMs: number;
  /** Attempts before a dead letter. */
  readonly maxAttempts: number;
  /** The wait after the first failure; it doubles per attempt up to `backoffMaxMs`. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/** Exponential backoff with "equal jitter": half the doubled wait, plus a random part of the other half. */
export function backoffMs(attempt: number, policy: Pick<DeliveryPolicy, 'backoffBaseMs' | 'backoffMaxMs'>): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** POSTs one event, signed; resolves with undefined on a 2xx, else with the failure's description. */
export async function post(url: string, secret: string, event: WebhookEvent, timeoutMs: number): Promise<string | undefined> {
  const body = JSON.stringify(event);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Parley-Webhooks/1',
        'parley-signature': signatureHeader(secret, body, Date.now()),
        'parley-event-id': event.id,
        'parley-event-type': event.type,
      },
    });
    // The answer's body is not read: a receiver streaming one slowly must not hold the slot.
    await response.body?.cancel().catch(() => undefined);
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (err) {
    const error = err as Error & { cause?: { code?: string } };
    if (error.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
    return error.cause?.code ?? error.message;
  }
}

export interface Endpoint {
  readonly webhook_id: string;
  readonly url: string;
  readonly secret: string;
}

/**
 * Handles one delivery message of `endpoint`: a 2xx acks it; a failure naks it with backoff (the
 * message comes back after the wait, to whichever instance pulls first) until `maxAttempts`, then
 * records a dead letter and acks. Never throws.
 */
export function deliveryHandler(
  deps: { db: Db; logger: Logger; metrics: WebhookMetrics },
  endpoint: Endpoint,
  policy: DeliveryPolicy,
): (msg: JsMsg) => Promise<void> {
  const { db, logger, metrics } = deps;
  return async (msg) => {
    const parsed = WebhookDeliverySchema.safeParse(safeJson(msg.data));
    if (!parsed.success) {
      logger.error({ subject: msg.subject }, 'invalid webhook delivery; dropped');
      msg.term('invalid delivery');
      return;
    }
    const { event } = parsed.data;
    const attempt = msg.info.deliveryCount;
    const stop = metrics.attemptSeconds.startTimer();
    const failure = await post(endpoint.url, endpoint.secret, event, policy.timeoutMs);
    stop();
    metrics.attempts.inc({ outcome: failure === undefined ? 'delivered' : 'failed' });
    if (failure === undefined) {
      msg.ack();
      return;
    }
    if (attempt < policy.maxAttempts) {
      msg.nak(backoffMs(attempt, policy));
      return;
    }
    try {
      await insertDeadLetter(db, endpoint.webhook_id, event, attempt, failure);
      metrics.deadLetters.inc();
      logger.warn({ webhook_id: endpoint.webhook_id, event_id: event.id, attempts: attempt, failure }, 'webhook delivery dead-lettered');
      msg.ack();
    } catch (err) {
      // Not recorded: keep the delivery, try again later rather than lose it.
      logger.warn({ err, webhook_id: endpoint.webhook_id }, 'could not record a dead letter; retrying');
      msg.nak(policy.backoffMaxMs);
    }
  };
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
