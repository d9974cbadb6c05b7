import { context, propagation, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { AppendEventReply, AppendEventRequest, AppendMessageReply, AppendMessageRequest, RoomEvent } from '@parley/protocol';
import type { Transaction } from 'kysely';
import type { Db } from '../db/db.js';
import type { Database } from '../db/schema.js';
import { appendLogBatch, isEvent, type EventLimits, type LogOutcome, type LogRequest, type NewEvent } from './log.repository.js';
import { appendBatch, type NewMessage } from './messages.repository.js';

export { AppendRejected, JudgeFirst, type Author, type NewMessage } from './messages.repository.js';
export type { EventLimits, NewEvent } from './log.repository.js';

/** A socket's append, as a gateway sends it: its author is the connection's user and live session. */
export function fromSocket(request: AppendMessageRequest): NewMessage {
  const { room_id, session_id, user_id, content, client_msg_id } = request;
  return { room_id, author: { user_id, session_id }, content, client_msg_id };
}

/** A socket's durable event, as a gateway sends it: its author is the connection's user and live session. */
export function eventFromSocket(request: AppendEventRequest): NewEvent {
  const { type, room_id, session_id, user_id, message_id, client_msg_id } = request;
  const change = request.type === 'message_edited' ? { content: request.content } : 'emoji' in request ? { emoji: request.emoji } : {};
  return { type, room_id, author: { user_id, session_id }, message_id, client_msg_id, ...change };
}

/** What enters a room's log after a commit, as its room subject carries it. */
export type StoredEntry = Extract<RoomEvent, { kind: 'message' | 'event' }>;

/** Edit window 24 h, 20 distinct reactions: what the api's config defaults to. */
const DEFAULT_EVENT_LIMITS: EventLimits = { editWindowMs: 86_400_000, maxReactions: 20 };

const tracer = trace.getTracer('@parley/api');

interface Pending {
  request: LogRequest;
  /** The trace context of the request (its bus span), so its commit and publish join its trace. */
  traceContext: Context;
  resolve: (reply: AppendMessageReply | AppendEventReply) => void;
  reject: (error: unknown) => void;
}

export interface AppenderOptions {
  /** Most requests committed in one transaction. */
  maxBatch?: number;
  /** Called with each newly stored message or event after its transaction commits, in seq order per room. */
  onStored?: (entry: StoredEntry) => void;
  /** The edit window and reactions limit the event appends enforce. */
  limits?: EventLimits;
  /** Called with the size of each committed batch and its transaction's duration in seconds (for metrics). */
  onBatch?: (size: number, seconds: number) => void;
  /** Commit-order publishing through the relay (relay.ts): each batch notifies what it stores. */
  notify?: AppendNotify;
}

/** How a batch tells the publish relay what it stored, in its own transaction. */
export interface AppendNotify {
  /** The relay's channel: a batch of messages notifies it from its one append statement. */
  readonly channel: string;
  /** Awaited before each batch (the relay must listen before anything it should hear commits). */
  readonly ready: () => Promise<void>;
  /**
   * A batch with durable events: runs inside its transaction with its newly stored entries (seq
   * order per room), after the append and before the commit.
   */
  readonly inCommit: (trx: Transaction<Database>, stored: readonly Stored[]) => Promise<void>;
}

/** A newly stored entry of a batch, with the trace context of its request. */
export interface Stored {
  readonly entry: StoredEntry;
  readonly seq: number;
  readonly traceContext: Context;
}

/**
 * Appends to rooms' logs with group commit: requests that arrive while a batch is in flight wait
 * and share the next one, so under load there is one round trip and one fsync per batch, not per
 * message.
 *
 * A batch of messages is one call of `parley_append_messages` (migrations `append_function` to
 * `append_one_statement`): it locks the rooms it writes, takes each room's next gap-free `seq`
 * from the room row, and de-duplicates on (room, sender, client_msg_id): a retry resolves to the
 * stored copy with `duplicate: true` and consumes no seq; a sender the moderation gate must judge
 * is sent back to it ({@link JudgeFirst}). A batch of durable events (edits, deletes, reactions)
 * is one call of `parley_append_events` (migration `room_events`), on the same counter. A reply
 * is only given after the commit.
 */
export class MessageAppender {
  private queue: Pending[] = [];
  private running = false;
  /** Committed batches whose answers wait for the next turn of the event loop. */
  private settling = 0;
  private readonly maxBatch: number;

  private readonly limits: EventLimits;

  constructor(
    private readonly db: Db,
    private readonly options: AppenderOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.limits = options.limits ?? DEFAULT_EVENT_LIMITS;
  }

  /**
   * Stores `request` once committed. An author with a session must name a live session of that
   * user (AUTHENTICATION_ERROR otherwise); one without a session is taken as that user, so only
   * trusted callers (never a socket: see {@link fromSocket}) may pass `session_id: null`.
   */
  append(request: NewMessage): Promise<AppendMessageReply> {
    return this.enqueue(request) as Promise<AppendMessageReply>;
  }

  /**
   * Stores a durable event once committed, on the same terms as {@link append} (the author's
   * session, a private room's membership), plus the event's own rules: the message must be in the
   * room and not deleted (NOT_FOUND); only its author edits it, within the edit window; its author
   * or a room owner or admin deletes it (PERMISSION_DENIED); a reaction is added once and removed
   * only if there, within the distinct-reactions limit (VALIDATION_ERROR).
   */
  appendEvent(request: NewEvent): Promise<AppendEventReply> {
    return this.enqueue(request) as Promise<AppendEventReply>;
  }

  private enqueue(request: LogRequest): Promise<AppendMessageReply | AppendEventReply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, traceContext: context.active(), resolve, reject });
      if (!this.running) void this.run();
    });
  }

  /** Resolves once every request accepted so far has been answered. */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0 || this.settling > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * One batch in Postgres at a time, so a room's batches commit (and publish) in the order they
   * were formed. A committed batch is answered on the next turn of the event loop, once the next
   * batch is on its way: its replies and publishes run while Postgres works on the next one,
   * instead of Postgres waiting for them (setImmediate keeps the batches' answers in commit order).
   */
  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        const committed = await this.commit(batch);
        if (!committed) continue;
        this.settling++;
        setImmediate(() => {
          this.settling--;
          this.settle(batch, committed.outcome, committed.withEvents);
        });
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * The next batch: the longest run of messages, or of events, at the head of the queue. Messages
   * and events never share a batch, so every message goes through the append function that knows
   * who must pass moderation first (migration `append_one_statement`).
   */
  private take(): Pending[] {
    const events = isEvent(this.queue[0]!.request);
    let n = 1;
    while (n < this.queue.length && n < this.maxBatch && isEvent(this.queue[n]!.request) === events) n++;
    return this.queue.splice(0, n);
  }

  /** Commits the batch; on failure every request of it is rejected and nothing is returned. */
  private async commit(batch: Pending[]): Promise<{ outcome: LogOutcome[]; withEvents: boolean } | undefined> {
    let outcome: LogOutcome[];
    const start = performance.now();
    // One transaction serves many requests: it joins the first one's trace and links the others.
    const withEvents = batch.some((p) => isEvent(p.request));
    const span = tracer.startSpan(
      withEvents ? 'SELECT parley_append_events' : 'SELECT parley_append_messages',
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
      const requests = batch.map((p) => p.request);
      const { notify } = this.options;
      await notify?.ready();
      if (!withEvents) {
        const traces = notify ? batch.map((p) => traceCarrier(p.traceContext)) : [];
        outcome = await appendBatch(this.db, requests as NewMessage[], notify && { channel: notify.channel, traces });
      } else if (notify) {
        outcome = await this.db.transaction().execute(async (trx) => {
          const result = await appendLogBatch(trx, requests, this.limits);
          await notify.inCommit(trx, storedOf(batch, result, withEvents));
          return result;
        });
      } else outcome = await appendLogBatch(this.db, requests, this.limits);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      for (const p of batch) p.reject(error);
      return undefined;
    } finally {
      span.end();
    }
    this.options.onBatch?.(batch.length, (performance.now() - start) / 1000);
    return { outcome, withEvents };
  }

  private settle(batch: readonly Pending[], outcome: readonly LogOutcome[], withEvents: boolean): void {
    batch.forEach((p, i) => {
      const result = outcome[i]!;
      if ('error' in result) p.reject(result.error);
      else p.resolve(result);
    });
    // Published in the request's own trace context: each gateway's delivery joins its trace.
    for (const s of storedOf(batch, outcome, withEvents)) context.with(s.traceContext, () => this.options.onStored?.(s.entry));
  }
}

/** A request's trace context as the JSON of its propagation carrier, or null when there is none to carry. */
function traceCarrier(traceContext: Context): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(traceContext, carrier);
  return Object.keys(carrier).length > 0 ? JSON.stringify(carrier) : null;
}

/** The batch's newly stored entries (no duplicates, no rejections), in seq order per room. */
function storedOf(batch: readonly Pending[], outcome: readonly LogOutcome[], withEvents: boolean): Stored[] {
  // Messages of a batch take their seqs before its events: publish by seq, so each room's stay in order.
  const stored: Stored[] = [];
  outcome.forEach((result, i) => {
    if ('error' in result || result.duplicate) return;
    const entry: StoredEntry = 'message' in result ? { kind: 'message', message: result.message } : { kind: 'event', event: result.event };
    stored.push({ entry, seq: 'message' in result ? result.message.seq : result.event.data.seq, traceContext: batch[i]!.traceContext });
  });
  if (withEvents) stored.sort((a, b) => a.seq - b.seq);
  return stored;
}
