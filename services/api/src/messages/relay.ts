import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import type { Logger } from '@parley/observability';
import type { Worker } from '@parley/service';
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/schema.js';
import { toStoredMessage, type StoredMessageRow } from './messages.mapper.js';

/**
 * Publishing in commit order, whatever the number of api instances.
 *
 * Each instance commits its own batches, so two instances used to publish one room's messages in
 * whatever order their replies came back, and every inversion cost the gateways a hole hold.
 * Postgres already knows the order: notifications are delivered in the order their transactions
 * committed. So each append transaction notifies what it stored, and one instance at a time — the holder of an advisory lock — listens and publishes to NATS
 * ({@link PublishRelay}). Channel and lock live in the database, so each database (each test
 * file's) has its own.
 *
 * A batch of messages notifies from its one append statement (migration `append_notify`: a row
 * per message, or a pointer the relay reads back when the row is too long for NOTIFY), so the
 * relay costs it no extra round trip; a batch with durable events notifies from its transaction
 * ({@link notifyInCommit}).
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
/** A stored message's row and trace carrier, from the append statement (migration `append_notify`). */
const ROW = '#';
/** A stored message too long for a notification: its id and trace carrier; the relay reads the row. */
const POINTER = '@';
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

/** A whole event's or a stored row's notification as the event to publish. */
function relayedOf(payload: string): Relayed {
  if (payload[0] === WHOLE) return JSON.parse(payload.slice(1)) as Relayed;
  if (payload[0] !== ROW) throw new Error(`publish relay: unknown notification '${payload.slice(0, 20)}'`);
  const { m, t } = JSON.parse(payload.slice(1)) as { m: Omit<StoredMessageRow, 'created_at'> & { created_at: string }; t: Record<string, string> | null };
  return messageRelayed({ ...m, created_at: new Date(m.created_at) }, t ?? undefined);
}

function messageRelayed(row: StoredMessageRow, trace: Record<string, string> | undefined): Relayed {
  const event = { kind: 'message', message: toStoredMessage(row) };
  return trace ? { room_id: row.room_id, event, trace } : { room_id: row.room_id, event };
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
  /** Publishes waiting behind a long message's row being read (in the order heard). */
  private chain: Promise<void> = Promise.resolve();
  private reading = 0;
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
    // Kept and published with its kind: a whole event (joined chunks too), a row or a pointer.
    const whole = kind === LAST ? WHOLE + this.partial + chunkText(payload) : payload;
    this.partial = '';
    if (this.leader) this.publish(whole);
    else if (this.kept.push(whole) > KEEP) this.kept.shift();
  }

  /** Publishes in the order heard: once a pointer's row is being read, what follows waits for it. */
  private publish(payload: string): void {
    if (payload[0] !== POINTER && this.reading === 0) return this.emit(() => relayedOf(payload));
    this.reading++;
    this.chain = this.chain
      .then(() => (payload[0] === POINTER ? this.readPointer(payload) : relayedOf(payload)))
      .then(
        (relayed) => this.emit(() => relayed),
        (err: unknown) =>
          this.emit(() => {
            throw err;
          }),
      )
      .finally(() => this.reading--);
  }

  private emit(relayed: () => Relayed): void {
    try {
      const r = relayed();
      const traceContext = r.trace ? propagation.extract(ROOT_CONTEXT, r.trace) : ROOT_CONTEXT;
      context.with(traceContext, () => this.options.publish(r));
    } catch (err) {
      // Lost on the bus, as a failed publish would be: the room heads let gateways fill it from history.
      this.options.logger.error({ err }, 'publish relay: could not publish an event');
    }
  }

  private async readPointer(payload: string): Promise<Relayed> {
    const space = payload.indexOf(' ');
    const client = this.client;
    if (!client) throw new Error('publish relay: no connection to read a long message with');
    const { rows } = await client.query<StoredMessageRow>(
      'SELECT message_id, room_id, seq, session_id, user_id, content, client_msg_id, created_at FROM messages WHERE message_id = $1',
      [payload.slice(1, space)],
    );
    if (!rows[0]) throw new Error(`publish relay: message ${payload.slice(1, space)} not found`);
    const trace = payload.slice(space + 1);
    return messageRelayed(rows[0], trace ? (JSON.parse(trace) as Record<string, string>) : undefined);
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.options.logger.info({ leader }, leader ? 'publish relay: this instance publishes' : 'publish relay: this instance stopped publishing');
    this.options.onLeader?.(leader);
  }
}
