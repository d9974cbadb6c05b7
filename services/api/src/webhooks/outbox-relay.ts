import type { WebhookPublisher } from '@parley/bus';
import type { Logger } from '@parley/observability';
import { WebhookEventSchema, type WebhookEvent } from '@parley/protocol';
import type { Selectable } from 'kysely';
import type { Db } from '../db/db.js';
import type { WebhookOutboxTable } from '../db/schema.js';

const BATCH = 256;

/** An outbox row as its public event; `undefined` for a row that does not make one (logged, dropped). */
export function outboxEvent(row: Selectable<WebhookOutboxTable>): WebhookEvent | undefined {
  let data: Record<string, unknown> = row.data;
  let timestamp = row.created_at.getTime();
  if (row.type === 'message.created') {
    // The message row's own JSON (created_at with microseconds): the message as created, in history's form.
    const { message_id, room_id, seq, user_id, content, client_msg_id } = data;
    const createdAt = new Date(String(data['created_at']));
    timestamp = createdAt.getTime();
    data = { message_id, room_id, seq, user_id, content, client_msg_id, created_at: createdAt.toISOString(), timestamp };
  } else if (row.type === 'message.edited' || row.type === 'message.deleted') {
    // A room_events row's JSON: the durable event's data, as the gateways deliver it.
    const { event_id, room_id, seq, message_id, user_id, client_msg_id, content } = data;
    const createdAt = new Date(String(data['created_at']));
    timestamp = createdAt.getTime();
    data = { event_id, room_id, seq, message_id, user_id, client_msg_id, created_at: createdAt.toISOString(), timestamp };
    if (row.type === 'message.edited') data['content'] = content;
  }
  const parsed = WebhookEventSchema.safeParse({ id: row.event_id, type: row.type, timestamp, data });
  return parsed.success ? parsed.data : undefined;
}

export interface OutboxRelay {
  /** Publishes what is committed now (tests and shutdown); resolves with how many were published. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Moves committed outbox rows to the JetStream events stream, then deletes them. Several api
 * instances relay at once: each claims rows with `FOR UPDATE SKIP LOCKED`, and a row is deleted
 * in the same transaction only after JetStream stored its event. A crash in between leaves the
 * row to be published again, under the same `Nats-Msg-Id`, which JetStream drops as a duplicate.
 */
export function startOutboxRelay(
  deps: { db: Db; publisher: WebhookPublisher; logger: Logger; onRelayed: (n: number) => void },
  intervalMs: number,
): OutboxRelay {
  const { db, publisher, logger } = deps;
  let stopped = false;
  let running: Promise<number> | undefined;

  const relayBatch = () =>
    db.transaction().execute(async (tx) => {
      const rows = await tx.selectFrom('webhook_outbox').selectAll().orderBy('position').limit(BATCH).forUpdate().skipLocked().execute();
      if (rows.length === 0) return 0;
      await Promise.all(
        rows.map((row) => {
          const event = outboxEvent(row);
          if (event) return publisher.event(event);
          logger.error({ event_id: row.event_id, type: row.type }, 'outbox row is not a valid webhook event; dropped');
          return undefined;
        }),
      );
      await tx
        .deleteFrom('webhook_outbox')
        .where(
          'position',
          'in',
          rows.map((r) => r.position),
        )
        .execute();
      return rows.length;
    });

  const flush = (): Promise<number> =>
    (running ??= (async () => {
      let total = 0;
      try {
        for (let n = await relayBatch(); n > 0; n = n === BATCH ? await relayBatch() : 0) total += n;
      } catch (err) {
        logger.warn({ err }, 'webhook outbox relay failed; retrying');
      } finally {
        running = undefined;
      }
      if (total > 0) deps.onRelayed(total);
      return total;
    })());

  const timer = setInterval(() => {
    if (!stopped) void flush();
  }, intervalMs);
  timer.unref();

  return {
    flush,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
