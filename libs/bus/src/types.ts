import type { ZodType } from 'zod';

import type { BusErrorData } from './errors.js';

/**
 * A pub/sub subject and the schema of every payload on it. Built only by the catalogue in
 * `subjects.ts`, so no service ever writes a subject string.
 */
export interface Topic<T> {
  readonly kind: 'topic';
  /** The logical subject, without the bus's `subjectPrefix`. Never contains wildcards. */
  readonly subject: string;
  readonly schema: ZodType<T>;
  /**
   * The queue group subscribers join unless they say otherwise: each message then goes to one
   * member of the group. `undefined`: every subscriber receives every message.
   */
  readonly queue: string | undefined;
}

/** A wildcard subject (`*` = one token, trailing `>` = one or more) to subscribe to, never to publish on. */
export interface TopicPattern<T> {
  readonly kind: 'pattern';
  readonly subject: string;
  readonly schema: ZodType<T>;
  readonly queue: string | undefined;
}

/** A reply on the wire: `{ok: true, data}` or `{ok: false, error}`. */
export type BusReply<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: BusErrorData };

/** A request/reply subject with the schema of its request and of its reply envelope. */
export interface Endpoint<Req, Res> {
  readonly kind: 'endpoint';
  /** The logical subject, without the bus's `subjectPrefix`. */
  readonly subject: string;
  readonly request: ZodType<Req>;
  /** The whole reply envelope ({@link BusReply}), e.g. `busReplySchema(data)` from `@parley/protocol`. */
  readonly reply: ZodType<BusReply<Res>>;
  /** The queue group servers join unless they say otherwise (so one instance answers each request). */
  readonly queue: string | undefined;
}

/** What a handler learns besides the payload. */
export interface MessageContext {
  /** The subject the message arrived on, without the bus's prefix (useful with a {@link TopicPattern}). */
  readonly subject: string;
}

export type MessageHandler<T> = (payload: T, context: MessageContext) => void | Promise<void>;
export type RequestHandler<Req, Res> = (request: Req, context: MessageContext) => Res | Promise<Res>;

export interface SubscribeOptions {
  /**
   * Queue group to join; overrides the topic's or endpoint's default. `null` joins none, so this
   * subscriber receives every message (e.g. a test tap); omit it to keep the catalogue's default.
   */
  readonly queue?: string | null;
}

export interface RequestOptions {
  /** Milliseconds to wait for the reply before rejecting with code `timeout`. Must be > 0. */
  readonly timeoutMs: number;
}

export interface GatherOptions {
  /** Milliseconds to collect replies for. Must be > 0. */
  readonly maxWaitMs: number;
  /** Stop as soon as this many valid replies have arrived. */
  readonly maxReplies?: number;
}

/** A live subscription or server. */
export interface BusSubscription {
  /** The logical subject. */
  readonly subject: string;
  /**
   * Resolves (never rejects) once the broker knows about this subscription, so a message
   * published afterwards by anyone reaches it (NATS: after a round trip to the server; while
   * disconnected, after the reconnect). Await it before relying on delivery, e.g. before reading
   * a room's history to bridge the gap to live traffic, or before announcing a server.
   */
  readonly ready: Promise<void>;
  /**
   * Stops delivery now: messages not yet handed to the handler are discarded. A handler call that
   * is running finishes; requests already being served still get their reply. Idempotent.
   */
  unsubscribe(): void;
  /**
   * Resolves (never rejects) once the subscription has stopped, by `unsubscribe()`, `bus.drain()`
   * or the connection closing, and its last handler call has returned.
   */
  readonly closed: Promise<void>;
}

/** A change in the bus's connection, for readiness checks. */
export type BusStatusEvent =
  | { readonly type: 'disconnected'; readonly server?: string }
  | { readonly type: 'reconnected'; readonly server?: string }
  /** The server announced it is shutting down (lame duck mode); a reconnect elsewhere follows. */
  | { readonly type: 'lame_duck'; readonly server?: string }
  /** The bus was drained or its connection closed for good. */
  | { readonly type: 'closed' };

/**
 * The typed message bus every service uses. Two implementations pass the same contract suite:
 * `createNatsBus` (core NATS) and `createMemoryBus` (in-process, for unit tests).
 *
 * Guarantees (both implementations):
 * - **At most once.** `publish` is fire-and-forget: nothing is acknowledged, and a message
 *   published while the connection is down may be lost. Never acknowledge user data on the
 *   strength of a publish; the system of record is Postgres.
 * - **Order.** Messages from one publisher on one subject reach each subscriber in publish order.
 *   A subscription handles its messages one at a time, in that order (a slow handler delays the
 *   next ones; they wait in memory). Nothing is ordered across subjects or publishers.
 * - **Validation at both ends.** Outgoing payloads are checked against the schema and the
 *   server's `max_payload` (1 MiB by default; a bad one throws `BusValidationError` and is not
 *   sent), and what is sent is the schema's output (unknown keys stripped). Incoming ones are
 *   parsed with the schema: one that is not JSON or fails it is logged and dropped. Schemas on the
 *   bus must survive a JSON round trip (no `Date`, `bigint` or transforms that do not re-parse).
 * - **Handlers never stop a loop.** A subscription handler that throws or rejects is logged and the
 *   next message is handled; one poison message never stops a subscription.
 * - **Queue groups.** With a queue group, each message goes to exactly one member of the group
 *   (among those subscribed when it arrives); without one, to every subscriber.
 * - **Subject prefix.** With `subjectPrefix`, every subject is `<prefix>.<subject>` on the wire;
 *   buses with different prefixes never hear each other. Handlers see the unprefixed subject.
 */
export interface Bus {
  /**
   * Validates `payload` and sends it; returns once it is queued for sending (core NATS buffers
   * while reconnecting). Throws {@link BusValidationError} or {@link BusClosedError}.
   */
  publish<T>(topic: Topic<T>, payload: NoInfer<T>): void;

  /**
   * Calls `handler` with every valid message on the topic, one at a time in arrival order. Joins
   * the topic's default queue group unless `options.queue` says otherwise. Throws {@link BusClosedError}.
   */
  subscribe<T>(topic: Topic<T> | TopicPattern<T>, handler: MessageHandler<T>, options?: SubscribeOptions): BusSubscription;

  /**
   * Sends one request and resolves with the reply data of the first reply. Rejects with
   * {@link BusRequestError} (`timeout`, `no_responders`, `remote`, `invalid_reply`,
   * `disconnected`) or {@link BusValidationError}. A timed-out request may still have been handled.
   */
  request<Req, Res>(endpoint: Endpoint<Req, Res>, request: NoInfer<Req>, options: RequestOptions): Promise<Res>;

  /**
   * Answers requests on the endpoint. Each request is validated (an invalid one is replied
   * `VALIDATION_ERROR` naming the field) and handled concurrently with others; the handler's
   * result is checked against the reply schema and sent as `{ok: true, data}`. A thrown
   * {@link BusHandlerError} is replied as its `data`; anything else is logged and replied as
   * `INTERNAL_ERROR` with a generic message. Joins the endpoint's default queue group unless
   * `options.queue` says otherwise. Throws {@link BusClosedError}.
   */
  serve<Req, Res>(endpoint: Endpoint<Req, Res>, handler: RequestHandler<Req, Res>, options?: SubscribeOptions): BusSubscription;

  /**
   * Scatter-gather: sends one request to every server of the endpoint and resolves with every
   * reply envelope (`ok` or not) that arrived within `maxWaitMs`, in arrival order, or fewer
   * when `maxReplies` is reached first. Invalid replies are logged and skipped. Resolves `[]`
   * when nobody answers; never rejects for lack of responders. Rejects with
   * {@link BusRequestError} `disconnected` if the connection fails, or {@link BusValidationError}.
   */
  gather<Req, Res>(endpoint: Endpoint<Req, Res>, request: NoInfer<Req>, options: GatherOptions): Promise<BusReply<Res>[]>;

  /**
   * Graceful stop of this bus: stop receiving, let every subscription handle the messages it
   * already received and every request being served send its reply, then flush what was
   * published (when connected). Afterwards `publish`/`subscribe`/`serve` throw and
   * `request`/`gather` reject. Idempotent: every call returns the same promise. Requests this bus
   * itself is waiting on are not awaited. It does **not** close the NATS connection: whoever
   * created the connection closes it (`await bus.drain(); await nc.drain()`).
   */
  drain(): Promise<void>;

  /** True while connected to the broker and not drained: the bus's part of a readiness check. */
  isConnected(): boolean;

  /**
   * Calls `listener` on every connection change until the returned function is called. A
   * listener that throws is logged and ignored.
   */
  onStatus(listener: (event: BusStatusEvent) => void): () => void;
}
