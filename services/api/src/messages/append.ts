import { context, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { AppendMessageReply, AppendMessageRequest, StoredMessage } from '@parley/protocol';
import type { Db } from '../db/db.js';
import { appendBatch, type AppendOutcome, type NewMessage } from './messages.repository.js';

export { AppendRejected, type Author, type NewMessage } from './messages.repository.js';

/** A socket's append, as a gateway sends it: its author is the connection's user and live session. */
export function fromSocket(request: AppendMessageRequest): NewMessage {
  const { room_id, session_id, user_id, content, client_msg_id } = request;
  return { room_id, author: { user_id, session_id }, content, client_msg_id };
}

const tracer = trace.getTracer('@parley/api');

interface Pending {
  request: NewMessage;
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

  /**
   * Stores `request` once committed. An author with a session must name a live session of that
   * user (AUTHENTICATION_ERROR otherwise); one without a session is taken as that user, so only
   * trusted callers (never a socket: see {@link fromSocket}) may pass `session_id: null`.
   */
  append(request: NewMessage): Promise<AppendMessageReply> {
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
    let outcome: AppendOutcome[];
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
      outcome = await appendBatch(
        this.db,
        batch.map((p) => p.request),
      );
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
      if ('error' in result) p.reject(result.error);
      else p.resolve(result);
    });
    outcome.forEach((result, i) => {
      // Published in the request's own trace context: each gateway's delivery joins its trace.
      if (!('error' in result) && !result.duplicate) context.with(batch[i]!.traceContext, () => this.options.onStored?.(result.message));
    });
  }
}
