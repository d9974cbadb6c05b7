import type { CreateWebhookBody, DeadLetter, Webhook, WebhookEvent, WebhookEventType } from '@parley/protocol';
import type { Db } from '../db/db.js';
import type { Selectable } from 'kysely';
import type { WebhookDeadLettersTable, WebhookEndpointsTable } from '../db/schema.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;

export function toWebhook(row: EndpointRow): Webhook {
  return { webhook_id: row.webhook_id, url: row.url, events: row.events, created_at: row.created_at.toISOString() };
}

export function toDeadLetter(row: Selectable<WebhookDeadLettersTable>): DeadLetter {
  const { dead_letter_id, webhook_id, event, attempts, last_error } = row;
  return { dead_letter_id, webhook_id, event, attempts, last_error, failed_at: row.failed_at.toISOString() };
}

export function insertEndpoint(db: Db, webhookId: string, body: CreateWebhookBody): Promise<EndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({ webhook_id: webhookId, url: body.url, events: [...new Set(body.events)], secret: body.secret })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function listEndpoints(db: Db): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('webhook_id').execute();
}

export function findEndpoint(db: Db, webhookId: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('webhook_id', '=', webhookId).executeTakeFirst();
}

/** The endpoints that hear `type`. */
export function endpointsFor(db: Db, type: WebhookEventType): Promise<Pick<EndpointRow, 'webhook_id'>[]> {
  return db
    .selectFrom('webhook_endpoints')
    .select('webhook_id')
    .where(({ eb, val, fn }) => eb(val(type), '=', fn.any('events')))
    .execute();
}

/** Deletes the endpoint and its dead letters; returns whether it existed. */
export async function deleteEndpoint(db: Db, webhookId: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('webhook_id', '=', webhookId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Records a delivery that ran out of attempts; a second record of the same (endpoint, event) is the first. */
export async function insertDeadLetter(db: Db, webhookId: string, event: WebhookEvent, attempts: number, lastError: string): Promise<void> {
  await db
    .insertInto('webhook_dead_letters')
    .values({ webhook_id: webhookId, event_id: event.id, event: JSON.stringify(event), attempts, last_error: lastError.slice(0, 500) })
    .onConflict((oc) => oc.constraint('webhook_dead_letters_event').doNothing())
    .execute();
}

export async function listDeadLetters(db: Db, webhookId: string, limit: number): Promise<DeadLetter[]> {
  const rows = await db.selectFrom('webhook_dead_letters').selectAll().where('webhook_id', '=', webhookId).orderBy('failed_at').limit(limit).execute();
  return rows.map(toDeadLetter);
}
