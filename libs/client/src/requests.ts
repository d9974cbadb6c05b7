import type { ClientMsgId, ClientTextMessageData, ErrorData, MessageAckData, RoomId, RoomJoinedData } from '@parley/protocol';

import { ParleyError } from './errors.js';
import type { OutboxRecord, OutboxStorage } from './outbox.js';
import { RoomWaiters, deferred, type Deferred } from './waiters.js';

/**
 * Requests waiting for the server's answer: the outbox of sends (answered by `message_ack`) and
 * the joins and leaves (answered by `room_joined` / `room_left`), and the matching of an `error`
 * frame to the request it answers.
 */

/** A send in the outbox. `data.client_msg_id` is fixed for its lifetime, across reconnects. */
interface OutboxEntry {
  readonly data: ClientTextMessageData & { readonly client_msg_id: ClientMsgId };
  readonly waiter: Deferred<MessageAckData>;
  /** Restored from storage: queued by an earlier client, whose promise nobody holds any more. */
  readonly restored: boolean;
  /** Sent on the current connection (and not answered yet). */
  inFlight: boolean;
}

/** The request an `error` frame was matched to, if any. */
export type ErrorTarget =
  { readonly kind: 'send'; readonly clientMsgId: ClientMsgId; readonly restored?: boolean } | { readonly kind: 'join' | 'leave'; readonly roomId: RoomId };

export class Requests {
  #outbox = new Map<ClientMsgId, OutboxEntry>();
  readonly #joins = new RoomWaiters<RoomJoinedData>();
  readonly #leaves = new RoomWaiters<void>();

  /**
   * `storage` keeps a copy of the outbox (see {@link OutboxStorage}); `onStorageError` hears of
   * its failures, which never fail a send.
   */
  constructor(
    private readonly storage?: OutboxStorage,
    private readonly onStorageError: (issue: string) => void = () => undefined,
  ) {}

  /** Adds a send to the outbox; the promise settles on its `message_ack` or `error`. */
  addSend(data: OutboxEntry['data'], now = Date.now()): Promise<MessageAckData> {
    const { promise, deferred: waiter } = deferred<MessageAckData>();
    this.#outbox.set(data.client_msg_id, { data, waiter, restored: false, inFlight: false });
    const record: OutboxRecord = { client_msg_id: data.client_msg_id, room_id: data.room_id, content: data.content, queued_at: now };
    this.#store((storage) => storage.put(record));
    return promise;
  }

  /**
   * Puts records an earlier client left in storage back in the outbox, ahead of this client's
   * own sends and oldest first; ids already queued are skipped. Returns the records added.
   */
  restore(records: readonly OutboxRecord[]): OutboxRecord[] {
    const added = records.filter((record) => !this.#outbox.has(record.client_msg_id)).sort((a, b) => a.queued_at - b.queued_at);
    const ignore = { resolve: () => undefined, reject: () => undefined };
    const restored = added.map((record): [ClientMsgId, OutboxEntry] => [
      record.client_msg_id,
      {
        data: { content: record.content, room_id: record.room_id, client_msg_id: record.client_msg_id },
        waiter: ignore,
        restored: true,
        inFlight: false,
      },
    ]);
    this.#outbox = new Map([...restored, ...this.#outbox]);
    return added;
  }

  /** Removes a record from the storage only (one that will never be sent). */
  forget(clientMsgId: ClientMsgId): void {
    this.#store((storage) => storage.delete(clientMsgId));
  }

  /** Runs `op` on the storage, reporting a throw or a rejection instead of passing it on. */
  #store(op: (storage: OutboxStorage) => void | Promise<void>): void {
    if (this.storage === undefined) return;
    const report = (err: unknown) => this.onStorageError(err instanceof Error ? err.message : String(err));
    try {
      const pending = op(this.storage);
      if (pending !== undefined) pending.catch(report);
    } catch (err) {
      report(err);
    }
  }

  /** Outbox entries not yet sent on the current connection, oldest first. */
  unsent(): OutboxEntry['data'][] {
    return [...this.#outbox.values()].filter((e) => !e.inFlight).map((e) => e.data);
  }

  sentSend(clientMsgId: ClientMsgId): void {
    const entry = this.#outbox.get(clientMsgId);
    if (entry !== undefined) entry.inFlight = true;
  }

  /** Resolves the send `ack` answers; false when none is waiting (a late or repeated ack). */
  ack(ack: MessageAckData): boolean {
    const entry = ack.client_msg_id === null ? undefined : this.#outbox.get(ack.client_msg_id);
    if (entry === undefined) return false;
    this.#outbox.delete(entry.data.client_msg_id);
    this.#store((storage) => storage.delete(entry.data.client_msg_id));
    entry.waiter.resolve(ack);
    return true;
  }

  addJoin(roomId: RoomId): Promise<RoomJoinedData> {
    return this.#joins.add(roomId);
  }

  sentJoin(roomId: RoomId): void {
    this.#joins.sent(roomId);
  }

  joined(data: RoomJoinedData): void {
    this.#joins.settle(data.room_id, { value: data });
  }

  addLeave(roomId: RoomId): Promise<void> {
    return this.#leaves.add(roomId);
  }

  sentLeave(roomId: RoomId): void {
    this.#leaves.sent(roomId);
  }

  left(roomId: RoomId): void {
    this.#leaves.settle(roomId, { value: undefined });
  }

  /**
   * The connection ended: nothing is in flight any more. Sends stay in the outbox and joins keep
   * waiting (both are sent again after the next `welcome`); leaves are done, since membership
   * ends with the connection and a left room is not rejoined.
   */
  disconnected(): void {
    for (const entry of this.#outbox.values()) entry.inFlight = false;
    this.#joins.clearInFlight();
    this.#leaves.clearInFlight();
    for (const roomId of [...this.#leaves.waiters.keys()]) this.#leaves.settle(roomId, { value: undefined });
  }

  /**
   * Matches an `error` frame to the request it answers and rejects that request (except a send
   * refused by RATE_LIMIT_EXCEEDED, which goes back to the outbox to be sent again):
   * 1. `details.client_msg_id` names an outbox entry → that send;
   * 2. `details.room_id` names a room with a join (then leave) in flight → that join (leave);
   * 3. otherwise, when exactly one request is in flight on this connection (counting an
   *    unanswered heartbeat), that request.
   * Returns undefined when the error cannot be attributed (the caller reports it as an event).
   */
  fail(error: ErrorData, heartbeatInFlight: boolean): ErrorTarget | undefined {
    const target = this.#target(error, heartbeatInFlight);
    const reason = ParleyError.fromServer(error);
    if (target?.kind === 'send' && error.error_code === 'RATE_LIMIT_EXCEEDED') {
      // The server refused it for now and said when to try again: it stays in the outbox,
      // unsent, and the client sends it again after `retry_after_ms` (same client_msg_id).
      const entry = this.#outbox.get(target.clientMsgId);
      if (entry !== undefined) entry.inFlight = false;
    } else if (target?.kind === 'send') {
      const entry = this.#outbox.get(target.clientMsgId);
      this.#outbox.delete(target.clientMsgId);
      this.#store((storage) => storage.delete(target.clientMsgId));
      entry?.waiter.reject(reason);
    } else if (target !== undefined) {
      (target.kind === 'join' ? this.#joins : this.#leaves).settle(target.roomId, { error: reason });
    }
    return target;
  }

  #target(error: ErrorData, heartbeatInFlight: boolean): ErrorTarget | undefined {
    const msgId: unknown = error.details?.['client_msg_id'];
    const byId = typeof msgId === 'string' ? this.#outbox.get(msgId) : undefined;
    if (byId !== undefined) return sendTarget(byId);
    const roomId: unknown = error.details?.['room_id'];
    if (typeof roomId === 'string') {
      if (this.#joins.has(roomId)) return { kind: 'join', roomId };
      if (this.#leaves.has(roomId)) return { kind: 'leave', roomId };
    }
    const sends = [...this.#outbox.values()].filter((e) => e.inFlight);
    const total = sends.length + this.#joins.count + this.#leaves.count + (heartbeatInFlight ? 1 : 0);
    if (total !== 1) return undefined;
    const [send] = sends;
    if (send !== undefined) return sendTarget(send);
    const join = this.#joins.first();
    if (join !== undefined) return { kind: 'join', roomId: join };
    const leave = this.#leaves.first();
    return leave === undefined ? undefined : { kind: 'leave', roomId: leave };
  }

  /**
   * Rejects every waiting request (the client closed for good) and empties the outbox. The
   * storage keeps its records: a client created on it later sends them.
   */
  rejectAll(error: ParleyError): void {
    const entries = [...this.#outbox.values()];
    this.#outbox.clear();
    for (const entry of entries) entry.waiter.reject(error);
    for (const roomId of [...this.#joins.waiters.keys()]) this.#joins.settle(roomId, { error });
    for (const roomId of [...this.#leaves.waiters.keys()]) this.#leaves.settle(roomId, { error });
    this.#joins.clearInFlight();
    this.#leaves.clearInFlight();
  }
}

function sendTarget(entry: OutboxEntry): ErrorTarget {
  const clientMsgId = entry.data.client_msg_id;
  return entry.restored ? { kind: 'send', clientMsgId, restored: true } : { kind: 'send', clientMsgId };
}
