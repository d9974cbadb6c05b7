import {
  ClosedConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
  type Msg,
  type NatsConnection,
  type QueuedIterator,
  type Status,
  type Subscription,
} from '@nats-io/transport-node';

import { queueFor, subjectSpace, type SubjectSpace } from './define.js';
import { BusClosedError, BusRequestError } from './errors.js';
import type { BusLogger } from './logger.js';
import { answer, checkPositive, DEFAULT_MAX_PAYLOAD_BYTES, deliver, encodeOutbound, INVALID, readGatherReply, readReply } from './pipeline.js';
import { StatusHub } from './status.js';
import { inSpan, inTrace, remoteContext, SpanKind, traceHeaders } from './trace.js';
import type {
  Bus,
  BusReply,
  BusStatusEvent,
  BusSubscription,
  Endpoint,
  GatherOptions,
  MessageHandler,
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
  Topic,
  TopicPattern,
} from './types.js';

export interface NatsBusOptions {
  /** Required: a bus that drops poison messages silently would hide bugs. pino fits. */
  readonly logger: BusLogger;
  /** Prepended (with a dot) to every subject: test isolation, several deployments on one NATS. */
  readonly subjectPrefix?: string;
}

/**
 * A {@link Bus} over core NATS (at-most-once; see the guarantees on {@link Bus}). Many buses may
 * share one connection. The bus never closes `nc`: `bus.drain()` stops this bus only, and whoever
 * created the connection closes it afterwards.
 */
export function createNatsBus(nc: NatsConnection, options: NatsBusOptions): Bus {
  return new NatsBus(nc, options.logger, subjectSpace(options.subjectPrefix));
}

interface Running {
  readonly sub: Subscription;
  readonly closed: Promise<void>;
}

class NatsBus implements Bus {
  private readonly running = new Set<Running>();
  private readonly status: StatusHub;
  private statusIterator: AsyncIterable<Status> | undefined;
  private connected: boolean;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: BusLogger,
    private readonly space: SubjectSpace,
  ) {
    this.status = new StatusHub(logger);
    this.connected = !nc.isClosed();
    void this.watchStatus();
  }

  publish<T>(topic: Topic<T>, payload: T): void {
    this.assertOpen();
    const data = encodeOutbound(topic.schema, payload, topic.subject, this.maxPayload());
    try {
      const headers = traceHeaders();
      this.nc.publish(this.space.toWire(topic.subject), data, headers ? { headers } : undefined);
    } catch (err) {
      throw closedOr(err);
    }
  }

  subscribe<T>(topic: Topic<T> | TopicPattern<T>, handler: MessageHandler<T>, options?: SubscribeOptions): BusSubscription {
    return this.consume(topic.subject, queueFor(topic.queue, options?.queue), async (msg) => {
      const subject = this.space.fromWire(msg.subject);
      const parent = remoteContext(msg.headers);
      // Only a message that carries a trace gets a span: untraced traffic stays free.
      if (!parent) return deliver(topic.schema, handler, msg.data, subject, this.logger);
      await inSpan(`receive ${subject}`, SpanKind.CONSUMER, () => deliver(topic.schema, handler, msg.data, subject, this.logger), parent);
    });
  }

  serve<Req, Res>(endpoint: Endpoint<Req, Res>, handler: RequestHandler<Req, Res>, options?: SubscribeOptions): BusSubscription {
    const inFlight = new Set<Promise<void>>();
    const handle = this.consume(
      endpoint.subject,
      queueFor(endpoint.queue, options?.queue),
      (msg) => {
        if (!msg.reply) {
          this.logger.warn({ subject: endpoint.subject }, 'bus: dropped a message without reply subject on an endpoint');
          return;
        }
        // Requests are served concurrently: the loop does not wait for the reply.
        const parent = remoteContext(msg.headers);
        const answering = () => answer(endpoint, handler, msg.data, this.logger, this.maxPayload());
        // Out of flight in the callbacks themselves, not in a `finally` (a promise and a microtask
        // fewer per request).
        const settled = () => inFlight.delete(replying);
        const replying: Promise<void> = (parent ? inSpan(`serve ${endpoint.subject}`, SpanKind.SERVER, answering, parent) : answering()).then(
          (reply) => {
            settled();
            try {
              msg.respond(reply);
            } catch (err) {
              this.logger.warn({ err, subject: endpoint.subject }, 'bus: could not send reply');
            }
          },
          (err: unknown) => {
            settled();
            throw err;
          },
        );
        inFlight.add(replying);
      },
      async () => {
        while (inFlight.size > 0) await Promise.all(inFlight);
      },
    );
    return handle;
  }

  async request<Req, Res>(endpoint: Endpoint<Req, Res>, request: Req, options: RequestOptions): Promise<Res> {
    checkPositive('timeoutMs', options.timeoutMs);
    const data = encodeOutbound(endpoint.request, request, endpoint.subject, this.maxPayload());
    if (this.draining) throw disconnected(endpoint.subject, new BusClosedError());
    const send = async (): Promise<Res> => {
      let msg: Msg;
      try {
        const headers = traceHeaders();
        msg = await this.nc.request(this.space.toWire(endpoint.subject), data, { timeout: options.timeoutMs, ...(headers ? { headers } : {}) });
      } catch (err) {
        throw requestError(err, endpoint.subject, options.timeoutMs);
      }
      return readReply(endpoint, msg.data);
    };
    // A request inside a trace gets its own span; one outside (timers, probes) starts no trace.
    return inTrace() ? inSpan(`request ${endpoint.subject}`, SpanKind.CLIENT, send) : send();
  }

  async gather<Req, Res>(endpoint: Endpoint<Req, Res>, request: Req, options: GatherOptions): Promise<BusReply<Res>[]> {
    checkPositive('maxWaitMs', options.maxWaitMs);
    const data = encodeOutbound(endpoint.request, request, endpoint.subject, this.maxPayload());
    if (this.draining) throw disconnected(endpoint.subject, new BusClosedError());
    const replies: BusReply<Res>[] = [];
    const max = options.maxReplies ?? Infinity;
    if (max <= 0) return replies;
    try {
      const answers = await this.nc.requestMany(this.space.toWire(endpoint.subject), data, {
        strategy: 'timer',
        maxWait: options.maxWaitMs,
      });
      for await (const msg of answers) {
        const reply = readGatherReply(endpoint, msg.data, this.logger);
        if (reply === INVALID) continue;
        replies.push(reply);
        if (replies.length >= max) break;
      }
    } catch (err) {
      const mapped = requestError(err, endpoint.subject, options.maxWaitMs);
      if (mapped.code !== 'no_responders') throw mapped;
    }
    return replies;
  }

  drain(): Promise<void> {
    this.draining ??= this.drainOnce();
    return this.draining;
  }

  isConnected(): boolean {
    return this.connected && !this.draining && !this.nc.isClosed();
  }

  onStatus(listener: (event: BusStatusEvent) => void): () => void {
    return this.status.add(listener);
  }

  private async drainOnce(): Promise<void> {
    const running = [...this.running];
    // Stop interest at the server; messages already received are still handled.
    await Promise.all(running.map(({ sub }) => (sub.isClosed() ? undefined : sub.drain().catch(() => sub.unsubscribe()))));
    await Promise.all(running.map(({ closed }) => closed));
    // Replies and publishes leave the process. flush() waits for the server's PONG, which never
    // comes while disconnected: then what is buffered goes out on reconnect, if the owner waits.
    if (this.connected && !this.nc.isClosed()) {
      await this.nc.flush().catch((err: unknown) => this.logger.warn({ err }, 'bus: flush on drain failed'));
    }
    (this.statusIterator as Partial<QueuedIterator<Status>> | undefined)?.stop?.();
    this.status.emit({ type: 'closed' });
  }

  /** The connected server's limit (known after the first INFO); NATS's default until then. */
  private maxPayload(): number {
    return this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  private assertOpen(): void {
    if (this.draining || this.nc.isClosed()) throw new BusClosedError();
  }

  /**
   * Runs `onMessage` for each message, one at a time, until unsubscribed, drained or closed.
   * `settle` runs after the loop ends and before `closed` resolves (in-flight replies).
   */
  private consume(subject: string, queue: string | undefined, onMessage: (msg: Msg) => void | Promise<void>, settle?: () => Promise<void>): BusSubscription {
    this.assertOpen();
    let sub: Subscription;
    try {
      sub = this.nc.subscribe(this.space.toWire(subject), queue === undefined ? {} : { queue });
    } catch (err) {
      throw closedOr(err);
    }
    let stopped = false;
    void sub.closed.then((reason) => {
      if (reason instanceof Error) this.logger.error({ err: reason, subject }, 'bus: subscription closed by the server');
    });
    const loop = async (): Promise<void> => {
      try {
        // Never `break`: the iterator ends by itself once the unsubscribe/drain/close is processed,
        // and breaking early would leave nats.js's own close bookkeeping unrun.
        for await (const msg of sub) {
          if (!stopped) await onMessage(msg);
        }
      } catch (err) {
        this.logger.error({ err, subject }, 'bus: subscription ended with an error');
      }
      await settle?.();
    };
    const entry: Running = { sub, closed: loop() };
    this.running.add(entry);
    void entry.closed.finally(() => this.running.delete(entry));
    return {
      subject,
      // The SUB goes out before the PING, so the PONG proves the server has the interest.
      ready: this.nc.flush().catch(() => undefined),
      closed: entry.closed,
      unsubscribe: () => {
        if (stopped) return;
        stopped = true;
        if (!sub.isClosed()) sub.unsubscribe();
      },
    };
  }

  private async watchStatus(): Promise<void> {
    this.statusIterator = this.nc.status();
    try {
      for await (const s of this.statusIterator) {
        const event = toBusEvent(s);
        if (!event) continue;
        if (event.type === 'disconnected') this.connected = false;
        if (event.type === 'reconnected') this.connected = true;
        if (event.type === 'closed') this.connected = false;
        this.logger[event.type === 'reconnected' ? 'info' : 'warn']({ ...event }, `bus: nats ${event.type}`);
        this.status.emit(event);
      }
    } catch (err) {
      this.logger.error({ err }, 'bus: status watch failed');
    }
  }
}

function toBusEvent(s: Status): BusStatusEvent | undefined {
  switch (s.type) {
    case 'disconnect':
      return { type: 'disconnected', server: s.server };
    case 'reconnect':
      return { type: 'reconnected', server: s.server };
    case 'ldm':
      return { type: 'lame_duck', server: s.server };
    case 'close':
      return { type: 'closed' };
    default:
      return undefined;
  }
}

function isClosedError(err: unknown): boolean {
  return err instanceof ClosedConnectionError || err instanceof DrainingConnectionError;
}

function closedOr(err: unknown): unknown {
  if (!isClosedError(err)) return err;
  return new BusClosedError(`nats connection is ${err instanceof DrainingConnectionError ? 'draining' : 'closed'}`);
}

function disconnected(subject: string, cause: unknown): BusRequestError {
  return new BusRequestError('disconnected', subject, `${subject}: not connected`, undefined, { cause });
}

function requestError(err: unknown, subject: string, ms: number): BusRequestError {
  if (err instanceof TimeoutError) {
    return new BusRequestError('timeout', subject, `${subject}: no reply within ${ms} ms`, undefined, { cause: err });
  }
  if (err instanceof NoRespondersError || (err instanceof RequestError && err.isNoResponders())) {
    return new BusRequestError('no_responders', subject, `${subject}: no responders`, undefined, { cause: err });
  }
  return disconnected(subject, err);
}
