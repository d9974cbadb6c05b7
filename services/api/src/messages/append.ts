import type { AppendMessageReply, AppendMessageRequest, ErrorData, StoredMessage } from '@parley/protocol';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/db.js';
import type { Database, MessageRow } from '../db/schema.js';
import { toStoredMessage } from './messages.mapper.js';

/** A request that failed for its own reason (unknown room, closed session); the rest of its batch still commits. */
export class AppendRejected extends Error {
  constructor(readonly error: ErrorData) {
    super(error.error_message);
  }
}

interface Pending {
  request: AppendMessageRequest;
  resolve: (reply: AppendMessageReply) => void;
  reject: (error: unknown) => void;
}

export interface AppenderOptions {
  /** Most requests committed in one transaction. */
  maxBatch?: number;
  /** Called with each newly stored message after its transaction commits, in seq order per room. */
  onStored?: (message: StoredMessage) => void;
  /** Called with the size of each committed batch (for metrics). */
  onBatch?: (size: number) => void;
}

/**
 * Appends chat messages with group commit: requests that arrive while a transaction is in
 * flight wait and share the next one, so under load there is one fsync per batch, not per message.
 *
 * Each transaction locks the rooms it writes (in room_id order, so two instances never deadlock),
 * takes the next gap-free `seq` from the room row, and de-duplicates on (room, sender, client_msg_id):
 * a retry resolves to the stored copy with `duplicate: true` and consumes no seq. A reply is only
 * given after the commit.
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
      this.queue.push({ request, resolve, reject });
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
    try {
      outcome = await this.db.transaction().execute((trx) => appendBatch(trx, batch.map((p) => p.request)));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    this.options.onBatch?.(batch.length);
    batch.forEach((p, i) => {
      const result = outcome[i]!;
      if ('error' in result) p.reject(new AppendRejected(result.error));
      else p.resolve(result);
    });
    for (const result of outcome) {
      if (!('error' in result) && !result.duplicate) this.options.onStored?.(result.message);
    }
  }
}

type Outcome = AppendMessageReply | { error: ErrorData };

const dedupKey = (r: { room_id: string; user_id: string; client_msg_id: string | null }) =>
  `${r.room_id}\u0000${r.user_id}\u0000${r.client_msg_id}`;

async function appendBatch(trx: Transaction<Database>, requests: AppendMessageRequest[]): Promise<Outcome[]> {
  const roomIds = [...new Set(requests.map((r) => r.room_id))].sort();
  const rooms = await trx
    .selectFrom('rooms')
    .select(['room_id', 'last_seq'])
    .where('room_id', 'in', roomIds)
    .orderBy('room_id')
    .forUpdate()
    .execute();
  const lastSeq = new Map(rooms.map((r) => [r.room_id, r.last_seq]));

  const sessionIds = [...new Set(requests.map((r) => r.session_id))];
  const sessions = await trx
    .selectFrom('sessions')
    .select(['session_id', 'user_id'])
    .where('session_id', 'in', sessionIds)
    .where('closed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .execute();
  const sessionUser = new Map(sessions.map((s) => [s.session_id, s.user_id]));

  const stored = new Map((await findStored(trx, requests)).map((m) => [dedupKey(m), m]));
  const outcome: Outcome[] = [];
  const fresh: { index: number; row: Omit<MessageRow, 'message_id' | 'created_at'> }[] = [];
  const claimed = new Map<string, number>();

  requests.forEach((r, index) => {
    if (!lastSeq.has(r.room_id)) {
      outcome[index] = { error: { error_code: 'ROOM_NOT_FOUND', error_message: `Room '${r.room_id}' does not exist` } };
      return;
    }
    if (sessionUser.get(r.session_id) !== r.user_id) {
      outcome[index] = { error: { error_code: 'AUTHENTICATION_ERROR', error_message: 'Session is unknown, expired or closed' } };
      return;
    }
    const key = dedupKey(r);
    const existing = r.client_msg_id === null ? undefined : stored.get(key);
    if (existing) {
      outcome[index] = { message: toStoredMessage(existing), duplicate: true };
      return;
    }
    if (r.client_msg_id !== null && claimed.has(key)) return; // same send twice in one batch: filled in below
    const seq = lastSeq.get(r.room_id)! + 1;
    lastSeq.set(r.room_id, seq);
    if (r.client_msg_id !== null) claimed.set(key, index);
    const { room_id, session_id, user_id, content, client_msg_id } = r;
    fresh.push({ index, row: { room_id, seq, session_id, user_id, content, client_msg_id } });
  });

  if (fresh.length > 0) {
    const inserted = await storeFresh(trx, fresh.map((f) => f.row), lastSeq);
    const indexOf = new Map(fresh.map((f) => [`${f.row.room_id}\u0000${f.row.seq}`, f.index]));
    for (const row of inserted) {
      outcome[indexOf.get(`${row.room_id}\u0000${row.seq}`)!] = { message: toStoredMessage(row), duplicate: false };
    }
  }
  requests.forEach((r, index) => {
    if (outcome[index] === undefined) {
      const first = outcome[claimed.get(dedupKey(r))!] as AppendMessageReply;
      outcome[index] = { message: first.message, duplicate: true };
    }
  });
  return outcome;
}

function findStored(trx: Transaction<Database>, requests: AppendMessageRequest[]): Promise<MessageRow[]> {
  const keyed = requests.filter((r) => r.client_msg_id !== null);
  if (keyed.length === 0) return Promise.resolve([]);
  return sql<MessageRow>`
    SELECT m.* FROM messages m
    JOIN unnest(${keyed.map((r) => r.room_id)}::text[], ${keyed.map((r) => r.user_id)}::text[], ${keyed.map((r) => r.client_msg_id)}::text[])
      AS k(room_id, user_id, client_msg_id)
      ON m.room_id = k.room_id AND m.user_id = k.user_id AND m.client_msg_id = k.client_msg_id`
    .execute(trx)
    .then((r) => r.rows);
}

/**
 * One statement (one round trip) for every write of a batch: insert the messages, advance each
 * room's counter to its last seq, and count each sender's messages. Runs under the room locks
 * taken at the start of the transaction.
 */
async function storeFresh(trx: Transaction<Database>, rows: Omit<MessageRow, 'message_id' | 'created_at'>[], lastSeq: Map<string, number>): Promise<MessageRow[]> {
  const rooms = [...new Set(rows.map((r) => r.room_id))];
  const sent = new Map<string, number>();
  for (const r of rows) sent.set(r.session_id, (sent.get(r.session_id) ?? 0) + 1);
  const { rows: inserted } = await sql<MessageRow>`
    WITH inserted AS (
      INSERT INTO messages (room_id, seq, session_id, user_id, content, client_msg_id)
      SELECT * FROM unnest(
        ${rows.map((r) => r.room_id)}::text[], ${rows.map((r) => r.seq)}::bigint[], ${rows.map((r) => r.session_id)}::uuid[],
        ${rows.map((r) => r.user_id)}::text[], ${rows.map((r) => r.content)}::text[], ${rows.map((r) => r.client_msg_id)}::text[]
      )
      RETURNING *
    ), advanced AS (
      UPDATE rooms SET last_seq = v.last_seq
      FROM unnest(${rooms}::text[], ${rooms.map((id) => lastSeq.get(id)!)}::bigint[]) AS v(room_id, last_seq)
      WHERE rooms.room_id = v.room_id
    ), counted AS (
      UPDATE sessions SET messages_sent = messages_sent + v.n, last_activity = now()
      FROM unnest(${[...sent.keys()]}::uuid[], ${[...sent.values()]}::bigint[]) AS v(session_id, n)
      WHERE sessions.session_id = v.session_id
    )
    SELECT * FROM inserted`.execute(trx);
  return inserted;
}
