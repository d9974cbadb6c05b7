import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import type { Logger } from '@parley/observability';
import type { Worker } from '@parley/service';
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/schema.js';

/**
 * Publishing in commit order, whatever the number of api instances.
 *
 * Each instance commits its own batches, so two instances used to publish one room's messages in
 * whatever order their replies came back, and every inversion cost the gateways a hole hold.
 * Postgres already knows the order: notifications are delivered in the order their transactions
 * committed. So each append transaction notifies what it stored ({@link notifyInCommit}), and one
 * instance at a time — the holder of an advisory lock — listens and publishes to NATS
 * ({@link PublishRelay}). Channel and lock live in the database, so each database (each test
 * file's) has its own.
 *
 * Hand-over: every instance listens and keeps the last notifications it heard while trying for
 * the lock (every 200 ms). A leader that stops cleanly notifies a hand-over mark, publishes everything up to its
 * own mark, then lets go: the next leader publishes only what followed the mark, nothing is lost or
 * doubled. A leader that dies without the mark: the next one publishes what it kept (at most
 * {@link KEEP}): a message may be published twice (gateways drop a `seq` they already delivered),
 * never skipped within that window.
 */
export const RELAY_CHANNEL = 'parley_room_events';
/** pg_advisory_lock key of the relay: "pRly". */
const LOCK_KEY = 0x70526c79;
/** NOTIFY payloads are limited to 8,000 bytes: chunks of at most 2,600 UTF-16 units (≤ 7,800 bytes of UTF-8). */
const CHUNK = 2_600;
/** Notifications a waiting instance keeps for a take-over after a crash. */
const KEEP = 2_000;
const RETRY_MS = 1_000;
/** How often a waiting instance tries the lock: a crashed leader's successor starts within this. */
const POLL_MS = 200;
const CONNECT_TIMEOUT_MS = 5_000;

const WHOLE = '=';
const PART = '+';
const LAST = '.';
const MARK = '!';
/** Ends a chunk's tag (tags are numbers and slashes). */
const SEP = ':';

/** One published event as it travels through the notification: its room, the event, its trace context. */
export interface Relayed {
  readonly room_id: string;
  readonly event: unknown;
  readonly trace?: Record<string, string>;
}

/**
 * Splits a payload into NOTIFY-sized chunks, never between the halves of a surrogate pair. Postgres
 * delivers a notification only once per transaction for identical payloads, so each chunk starts
 * with `tag` (unique within the transaction) and its own index: two chunks of repeated content
 * would otherwise be dropped and the payload joined short.
 */
export function chunks(json: string, tag: number | string = 0): string[] {
  if (json.length <= CHUNK) return [WHOLE + json];
  const out: string[] = [];
  let at = 0;
  while (at < json.length) {
    let end = Math.min(json.length, at + CHUNK);
    const code = json.charCodeAt(end - 1);
    if (end < json.length && code >= 0xd800 && code <= 0xdbff) end--;
    out.push(`${end === json.length ? LAST : PART}${tag}/${out.length}${SEP}${json.slice(at, end)}`);
    at = end;
  }
  return out;
}

/** A chunk's text without its kind and tag. */
const chunkText = (payload: string) => payload.slice(payload.indexOf(SEP) + 1);

/**
 * Inside the append transaction: one notification per stored event, in the order given (seq order
 * per room). Delivered to the relay only if, and when, the transaction commits.
 */
export async function notifyInCommit(trx: Transaction<Database>, events: readonly { relayed: Omit<Relayed, 'trace'>; traceContext: Context }[]): Promise<void> {
  if (events.length === 0) return;
  const payloads = events.flatMap(({ relayed, traceContext }, i) => {
    const trace: Record<string, string> = {};
    propagation.inject(traceContext, trace);
    return chunks(JSON.stringify(Object.keys(trace).length > 0 ? { ...relayed, trace } : relayed), i);
  });
  // unnest yields the array in order, and the aggregate calls pg_notify once per element in that order.
  await sql`SELECT count(pg_notify(${RELAY_CHANNEL}, p)) FROM unnest(${payloads}::text[]) AS p`.execute(trx);
}

export interface PublishRelayOptions {
  readonly databaseUrl: string;
  /** Publishes one event to its room's subject (in the context of its trace). */
  readonly publish: (relayed: Relayed) => void;
  readonly logger: Logger;
  /** Told when this instance becomes the relay or stops being it. */
  readonly onLeader?: (leader: boolean) => void;
}

/** The relay: one per api instance, publishing only while it holds the lock (a {@link Worker}). */
export class PublishRelay implements Worker {
  private client: pg.Client | undefined;
  private leader = false;
  private stopping = false;
  /** Waiting instance: what it heard, for a take-over (payloads after the last hand-over mark). */
  private kept: string[] = [];
  /** Chunks of a payload being reassembled. */
  private partial = '';
  /** The mark this instance sent when stopping; seen back = everything before it is published. */
  private mark: string | undefined;
  private markSeen: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private nowListening!: () => void;
  /**
   * Resolves once this instance listens (leading or keeping): from then on nothing it commits can
   * go unheard, so its appends wait for it (only just after start).
   */
  readonly listening = new Promise<void>((resolve) => (this.nowListening = resolve));

  constructor(private readonly options: PublishRelayOptions) {}

  start(): void {
    this.running = this.run();
  }

  /** Stops after the appends of this instance are done (the shell's `drained`): hands over, then disconnects. */
  async drained(): Promise<void> {
    this.stopping = true;
    const client = this.client;
    if (client && this.leader) {
      this.mark = `${MARK}${process.pid}-${Date.now()}-${Math.random()}`;
      const seen = new Promise<void>((resolve) => (this.markSeen = resolve));
      try {
        await client.query('SELECT pg_notify($1, $2)', [RELAY_CHANNEL, this.mark]);
        await Promise.race([seen, new Promise((r) => setTimeout(r, 2_000))]);
      } catch (err) {
        this.options.logger.warn({ err }, 'publish relay: hand-over mark failed');
      }
    }
    this.setLeader(false);
    await client?.end().catch(() => undefined);
    // A connection attempt in flight settles by its own timeout; stopping does not wait for it.
    await Promise.race([this.running, new Promise((r) => setTimeout(r, CONNECT_TIMEOUT_MS).unref())]);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.lead();
      } catch (err) {
        if (this.stopping) break;
        this.options.logger.warn({ err }, 'publish relay: connection lost, retrying');
      }
      this.setLeader(false);
      this.client?.end().catch(() => undefined);
      this.client = undefined;
      if (!this.stopping) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  /** Listens, waits for the lock, leads until the connection ends. */
  private async lead(): Promise<void> {
    // A connection attempt that stalls is given up and retried, never waited on forever.
    const client = new pg.Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    this.client = client;
    const ended = new Promise<void>((resolve, reject) => {
      client.on('error', reject);
      client.on('end', () => resolve());
    });
    ended.catch(() => undefined); // awaited below once leading; a failure before that is the query's
    client.on('notification', (n) => {
      if (n.channel === RELAY_CHANNEL) this.heard(n.payload ?? '');
    });
    await client.connect();
    await client.query(`LISTEN ${RELAY_CHANNEL}`);
    this.nowListening();
    // Polled, not waited for: a backend blocked in pg_advisory_lock does not notice its client
    // leaving, and would take the lock for nobody. What is heard meanwhile is kept.
    while (!(await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOCK_KEY])).rows[0]!.locked) {
      if (this.stopping) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    if (this.stopping) return;
    const taken = this.kept;
    this.kept = [];
    if (taken.length > 0) this.options.logger.info({ republished: taken.length }, 'publish relay: took over without a hand-over mark');
    this.setLeader(true);
    for (const payload of taken) this.publish(payload);
    await ended;
  }

  private heard(payload: string): void {
    const kind = payload[0];
    if (kind === MARK) {
      // Ours: everything before it is published, what follows is the next leader's.
      if (payload === this.mark) {
        this.setLeader(false);
        this.markSeen?.();
      } else if (!this.leader) this.kept = [];
      return;
    }
    // A payload's first chunk starts afresh: what a lost connection left half-joined is dropped, not glued on.
    if ((kind === PART || kind === LAST) && payload.slice(payload.indexOf('/') + 1, payload.indexOf(SEP)) === '0') this.partial = '';
    if (kind === PART) {
      this.partial += chunkText(payload);
      return;
    }
    const whole = kind === LAST ? this.partial + chunkText(payload) : payload.slice(1);
    this.partial = '';
    if (this.leader) this.publish(whole);
    else if (this.kept.push(whole) > KEEP) this.kept.shift();
  }

  private publish(json: string): void {
    try {
      const relayed = JSON.parse(json) as Relayed;
      const traceContext = relayed.trace ? propagation.extract(ROOT_CONTEXT, relayed.trace) : ROOT_CONTEXT;
      context.with(traceContext, () => this.options.publish(relayed));
    } catch (err) {
      this.options.logger.error({ err }, 'publish relay: could not publish an event');
    }
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.options.logger.info({ leader }, leader ? 'publish relay: this instance publishes' : 'publish relay: this instance stopped publishing');
    this.options.onLeader?.(leader);
  }
}
