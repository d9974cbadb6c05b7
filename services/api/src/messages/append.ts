import { context, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { AppendMessageReply, AppendMessageRequest, ErrorData, StoredMessage } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/db.js';
import type { MessageRow } from '../db/schema.js';
import { toStoredMessage } from './messages.mapper.js';

/** A request that failed for its own reason (unknown room, closed session); the rest of its batch still commits. */
export class AppendRejected extends Error {
  constructor(readonly error: ErrorData) {
    super(error.error_message);
  }
}

const tracer = trace.getTracer('@parley/api');

interface Pending {
  request: AppendMessageRequest;
  /** The trace context of the request (its bus span), so its commit and publish join its trace. */
  traceContext: Context;
  resolve: (reply: AppendMessageReply) => void;
  reject: (error: unknown) => void;
}

export interface AppenderOptions {
  /** Most requests committed in one transaction. */
  maxBatch?: number;
  /** Called with each newly stored message after its transaction commits, in seq order per room. */
  onStored?: (message: StoredMessage) => void;
  /** Called with the size of each committed batch and its transaction's duration in seconds (for metrics). */
  onBatch?: (size: number, seconds: number) => void;
}

/**
 * Appends chat messages with group commit: requests that arrive while a batch is in flight wait
 * and share the next one, so under load there is one round trip and one fsync per batch, not per
 * message.
 *
 * A batch is one call of `parley_append_messages` (migration `append_function`): it locks the
 * rooms it writes, takes each room's next gap-free `seq` from the room row, and de-duplicates on
 * (room, sender, client_msg_id): a retry resolves to the stored copy with `duplicate: true` and
 * consumes no seq. A reply is only given after the commit.
 */
export class MessageAppender {
  private queue: Pending[] = [];
  private running = false;
  private readonly maxBatch: number;

  constructor(
    private readonly db: Db,
    private readonly options: AppenderOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
  }

  append(request: AppendMessageRequest): Promise<AppendMessageReply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, traceContext: context.active(), resolve, reject });
      if (!this.running) void this.run();
    });
  }

  /** Resolves once every request accepted so far has been answered. */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    let outcome: Outcome[];
    const start = performance.now();
    // One transaction serves many requests: it joins the first one's trace and links the others.
    const span = tracer.startSpan(
      'SELECT parley_append_messages',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system': 'postgresql', 'parley.batch_size': batch.length },
        links: batch.slice(1).flatMap((p) => {
          const linked = trace.getSpanContext(p.traceContext);
          return linked ? [{ context: linked }] : [];
        }),
      },
      batch[0]!.traceContext,
    );
    try {
      outcome = await appendBatch(this.db, batch.map((p) => p.request));
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      for (const p of batch) p.reject(error);
      return;
    } finally {
      span.end();
    }
    this.options.onBatch?.(batch.length, (performance.now() - start) / 1000);
    batch.forEach((p, i) => {
      const result = outcome[i]!;
      if ('error' in result) p.reject(new AppendRejected(result.error));
      else p.resolve(result);
    });
    outcome.forEach((result, i) => {
      // Published in the request's own trace context: each gateway's delivery joins its trace.
      if (!('error' in result) && !result.duplicate) context.with(batch[i]!.traceContext, () => this.options.onStored?.(result.message));
    });
  }
}

type Outcome = AppendMessageReply | { error: ErrorData };

interface AppendRow extends MessageRow {
  request_index: number;
  outcome: 'stored' | 'duplicate' | 'room_not_found' | 'session_invalid' | 'not_member';
}

const REJECTIONS = {
  room_not_found: (r: AppendMessageRequest): ErrorData => ({ error_code: 'ROOM_NOT_FOUND', error_message: `Room '${r.room_id}' does not exist` }),
  session_invalid: (): ErrorData => ({ error_code: 'AUTHENTICATION_ERROR', error_message: 'Session is unknown, expired or closed' }),
  not_member: (r: AppendMessageRequest): ErrorData => ({ error_code: 'PERMISSION_DENIED', error_message: `You may not post to room '${r.room_id}'` }),
};

/**
 * The batch in one call of `parley_append_messages` (see its migration for the locking and
 * de-duplication rules): one round trip, its own transaction.
 */
async function appendBatch(db: Db, requests: AppendMessageRequest[]): Promise<Outcome[]> {
  const column = <K extends keyof AppendMessageRequest>(key: K) => requests.map((r) => r[key]);
  const { rows } = await sql<AppendRow>`
    SELECT * FROM parley_append_messages(
      ${column('room_id')}::text[], ${column('session_id')}::uuid[], ${column('user_id')}::text[],
      ${column('content')}::text[], ${column('client_msg_id')}::text[])`.execute(db);
  const outcome: Outcome[] = [];
  for (const row of rows) {
    const request = requests[row.request_index - 1]!;
    outcome[row.request_index - 1] =
      row.outcome === 'stored' || row.outcome === 'duplicate'
        ? { message: toStoredMessage(row), duplicate: row.outcome === 'duplicate' }
        : { error: REJECTIONS[row.outcome](request) };
  }
  return outcome;
}
