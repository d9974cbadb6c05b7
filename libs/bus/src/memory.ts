import { queueFor, subjectSpace, type SubjectSpace } from './define.js';
import { BusClosedError, BusRequestError } from './errors.js';
import { silentLogger, type BusLogger } from './logger.js';
import { createMemoryBroker, type Broker, type Envelope, type MemoryBroker } from './memory-broker.js';
import { answer, checkPositive, DEFAULT_MAX_PAYLOAD_BYTES, deliver, encodeOutbound, INVALID, readGatherReply, readReply } from './pipeline.js';
import { StatusHub } from './status.js';
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

export interface MemoryBusOptions {
  /** Share one broker between the buses that should hear each other; default: a private one. */
  readonly broker?: MemoryBroker;
  readonly subjectPrefix?: string;
  /** Default: discard logs. */
  readonly logger?: BusLogger;
  /** Largest encoded payload accepted, like the NATS server's `max_payload`. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
}

/** The in-memory {@link Bus}, plus two test affordances. */
export interface MemoryBus extends Bus {
  /**
   * Delivers raw bytes on a logical subject as if a foreign publisher had sent them, bypassing
   * validation: for testing how consumers cope with poison messages.
   */
  injectRaw(subject: string, data: Uint8Array | string): void;
  /**
   * Reports a connection change (`isConnected()`, `onStatus` listeners) for readiness tests.
   * Delivery is not affected: the memory bus never loses messages.
   */
  setConnected(connected: boolean): void;
}

/**
 * An in-process {@link Bus} with the same contract as the NATS one (it runs the same contract
 * suite): asynchronous delivery in publish order, queue groups, `no_responders` when nobody
 * serves, scatter-gather. Payloads are JSON-encoded and decoded as on the wire, so a value that
 * would not survive NATS does not survive here either. Differences: nothing is ever lost, and
 * `gather` returns early once every responder has answered.
 */
export function createMemoryBus(options: MemoryBusOptions = {}): MemoryBus {
  const broker = (options.broker ?? createMemoryBroker()) as unknown as Broker;
  const maxPayload = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  return new InMemoryBus(broker, options.logger ?? silentLogger, subjectSpace(options.subjectPrefix), maxPayload);
}

const textEncoder = new TextEncoder();

class InMemoryBus implements MemoryBus {
  private readonly running = new Set<{ drain(): Promise<void> }>();
  private readonly status: StatusHub;
  private connected = true;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly logger: BusLogger,
    private readonly space: SubjectSpace,
    private readonly maxPayload: number,
  ) {
    this.status = new StatusHub(logger);
  }

  publish<T>(topic: Topic<T>, payload: T): void {
    this.assertOpen();
    const data = encodeOutbound(topic.schema, payload, topic.subject, this.maxPayload);
    this.broker.dispatch({ subject: this.space.toWire(topic.subject), data });
  }

  injectRaw(subject: string, data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? textEncoder.encode(data) : data;
    this.broker.dispatch({ subject: this.space.toWire(subject), data: bytes });
  }

  subscribe<T>(topic: Topic<T> | TopicPattern<T>, handler: MessageHandler<T>, options?: SubscribeOptions): BusSubscription {
    return this.consume(topic.subject, queueFor(topic.queue, options?.queue), (envelope) =>
      deliver(topic.schema, handler, envelope.data, this.space.fromWire(envelope.subject), this.logger),
    );
  }

  serve<Req, Res>(endpoint: Endpoint<Req, Res>, handler: RequestHandler<Req, Res>, options?: SubscribeOptions): BusSubscription {
    const inFlight = new Set<Promise<void>>();
    return this.consume(
      endpoint.subject,
      queueFor(endpoint.queue, options?.queue),
      (envelope) => {
        const respond = envelope.respond;
        if (!respond) {
          this.logger.warn({ subject: endpoint.subject }, 'bus: dropped a message without reply subject on an endpoint');
          return;
        }
        const replying = answer(endpoint, handler, envelope.data, this.logger, this.maxPayload).then(respond);
        inFlight.add(replying);
        void replying.finally(() => inFlight.delete(replying));
      },
      async () => {
        while (inFlight.size > 0) await Promise.all(inFlight);
      },
    );
  }

  async request<Req, Res>(endpoint: Endpoint<Req, Res>, request: Req, options: RequestOptions): Promise<Res> {
    checkPositive('timeoutMs', options.timeoutMs);
    const data = encodeOutbound(endpoint.request, request, endpoint.subject, this.maxPayload);
    const subject = endpoint.subject;
    if (this.draining) throw new BusRequestError('disconnected', subject, `${subject}: not connected`);
    return new Promise<Res>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new BusRequestError('timeout', subject, `${subject}: no reply within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      const respond = (reply: Uint8Array): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        try {
          resolve(readReply(endpoint, reply));
        } catch (err) {
          reject(err);
        }
      };
      if (this.broker.dispatch({ subject: this.space.toWire(subject), data, respond }) === 0) {
        done = true;
        clearTimeout(timer);
        reject(new BusRequestError('no_responders', subject, `${subject}: no responders`));
      }
    });
  }

  async gather<Req, Res>(endpoint: Endpoint<Req, Res>, request: Req, options: GatherOptions): Promise<BusReply<Res>[]> {
    checkPositive('maxWaitMs', options.maxWaitMs);
    const data = encodeOutbound(endpoint.request, request, endpoint.subject, this.maxPayload);
    const subject = endpoint.subject;
    if (this.draining) throw new BusRequestError('disconnected', subject, `${subject}: not connected`);
    const max = options.maxReplies ?? Infinity;
    const replies: BusReply<Res>[] = [];
    if (max <= 0) return replies;
    return new Promise((resolve) => {
      let answered = 0;
      let expected = Infinity;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(replies);
      };
      const timer = setTimeout(finish, options.maxWaitMs);
      const respond = (bytes: Uint8Array): void => {
        if (done) return;
        answered++;
        const reply = readGatherReply(endpoint, bytes, this.logger);
        if (reply !== INVALID) replies.push(reply);
        if (replies.length >= max || answered >= expected) finish();
      };
      expected = this.broker.dispatch({ subject: this.space.toWire(subject), data, respond });
      if (expected === 0) finish();
    });
  }

  drain(): Promise<void> {
    this.draining ??= (async () => {
      await Promise.all([...this.running].map((r) => r.drain()));
      this.status.emit({ type: 'closed' });
    })();
    return this.draining;
  }

  isConnected(): boolean {
    return this.connected && !this.draining;
  }

  onStatus(listener: (event: BusStatusEvent) => void): () => void {
    return this.status.add(listener);
  }

  setConnected(connected: boolean): void {
    if (connected === this.connected || this.draining) return;
    this.connected = connected;
    this.status.emit({ type: connected ? 'reconnected' : 'disconnected' });
  }

  private assertOpen(): void {
    if (this.draining) throw new BusClosedError();
  }

  /**
   * One receiver with its own FIFO, handled one message at a time (as a NATS subscription's
   * iterator is). Delivery is always asynchronous: never inside the publisher's call.
   */
  private consume(
    subject: string,
    queue: string | undefined,
    onMessage: (envelope: Envelope) => void | Promise<void>,
    settle?: () => Promise<void>,
  ): BusSubscription {
    this.assertOpen();
    const pending: Envelope[] = [];
    let pumping = false;
    let stopping = false; // no new messages
    let dropping = false; // discard pending ones too (unsubscribe)
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

    let finished = false;
    const finishIfIdle = (): void => {
      if (!finished && stopping && !pumping && (pending.length === 0 || dropping)) {
        finished = true;
        pending.length = 0;
        void (async () => {
          await settle?.();
          this.running.delete(entry);
          resolveClosed();
        })();
      }
    };
    const pump = async (): Promise<void> => {
      pumping = true;
      for (let next = pending.shift(); next && !dropping; next = pending.shift()) {
        await onMessage(next);
      }
      pumping = false;
      finishIfIdle();
    };
    const detach = this.broker.attach({
      subject: this.space.toWire(subject),
      queue,
      push: (envelope) => {
        pending.push(envelope);
        if (!pumping) {
          pumping = true;
          queueMicrotask(() => void pump());
        }
      },
    });
    const stop = (discard: boolean): Promise<void> => {
      if (discard) dropping = true;
      if (!stopping) {
        stopping = true;
        detach();
      }
      finishIfIdle();
      return closed;
    };
    const entry = { drain: () => stop(false) };
    this.running.add(entry);
    return {
      subject,
      ready: Promise.resolve(),
      closed,
      unsubscribe: () => {
        void stop(true);
      },
    };
  }
}
