import type { ClientMsgId, RoomId } from '@parley/protocol';

/**
 * Where the outbox lives. Every send is kept until its `message_ack` (or a definite refusal),
 * and a client created on the same storage (the page after a reload or a crash) sends what is
 * left again, with the same `client_msg_id`: the server stores a message once per sender, room
 * and id, so it lands exactly once.
 */

/** A send waiting for its `message_ack`: everything needed to send it again unchanged. */
export interface OutboxRecord {
  readonly client_msg_id: ClientMsgId;
  readonly room_id: RoomId;
  readonly content: string;
  /** When it was queued, in ms since the epoch; restored records are sent oldest first. */
  readonly queued_at: number;
}

/**
 * A place to keep outbox records across client instances. Methods may be synchronous or return
 * promises (for IndexedDB); a failing call is reported as a `debug` event and never fails a send.
 * One storage serves one user: records restored into a client are sent as that client's user.
 */
export interface OutboxStorage {
  /** Every record kept, in any order. Called once, when the client is created. */
  load(): readonly OutboxRecord[] | Promise<readonly OutboxRecord[]>;
  /** Keeps a new record. */
  put(record: OutboxRecord): void | Promise<void>;
  /** Forgets a record (acknowledged, or refused for good). Unknown ids are ignored. */
  delete(clientMsgId: ClientMsgId): void | Promise<void>;
}

/**
 * The default: records live as long as this object, so a client created again on it in the
 * same page (after `close()`, say) sends what the previous one left. Gone with the page.
 */
export function memoryOutbox(): OutboxStorage {
  const records = new Map<ClientMsgId, OutboxRecord>();
  return {
    load: () => [...records.values()],
    put: (record) => void records.set(record.client_msg_id, record),
    delete: (id) => void records.delete(id),
  };
}

/**
 * Loads `storage` (if any) and hands its records to `restore`, at once for a synchronous storage;
 * a throw or a rejection goes to `report`.
 */
export function loadOutbox(storage: OutboxStorage | undefined, restore: (records: readonly OutboxRecord[]) => void, report: (err: unknown) => void): void {
  if (storage === undefined) return;
  try {
    const loaded = storage.load();
    if (Array.isArray(loaded)) restore(loaded);
    else Promise.resolve(loaded).then(restore, report);
  } catch (err) {
    report(err);
  }
}

/** The part of the Web Storage API {@link localStorageOutbox} uses (`localStorage` fits). */
export interface StorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Options of {@link localStorageOutbox}. */
export interface LocalStorageOutboxOptions {
  /**
   * Prefix of the storage keys, one key per record (so tabs never overwrite each other's
   * records). Default `parley.outbox.`; give each signed-in user a prefix of their own.
   */
  prefix?: string;
  /** Default `globalThis.localStorage`. */
  storage?: StorageLike;
}

/**
 * An outbox in `localStorage`, surviving reloads and crashes of the page. Two tabs of the same
 * user may both send a record left by a third: the server stores it once.
 */
export function localStorageOutbox(options: LocalStorageOutboxOptions = {}): OutboxStorage {
  const prefix = options.prefix ?? 'parley.outbox.';
  const storage = options.storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (storage === undefined) throw new TypeError('no localStorage here: pass options.storage');
  return {
    load() {
      const records: OutboxRecord[] = [];
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key === null || !key.startsWith(prefix)) continue;
        const record = parseRecord(storage.getItem(key));
        if (record !== undefined) records.push(record);
      }
      return records;
    },
    put: (record) => storage.setItem(prefix + record.client_msg_id, JSON.stringify(record)),
    delete: (id) => storage.removeItem(prefix + id),
  };
}

/** A stored record, or undefined for anything else (another app's value, a truncated write). */
function parseRecord(text: string | null): OutboxRecord | undefined {
  try {
    const value = JSON.parse(text ?? '') as Partial<Record<keyof OutboxRecord, unknown>>;
    const { client_msg_id, room_id, content, queued_at } = value;
    if (typeof client_msg_id !== 'string' || typeof room_id !== 'string' || typeof content !== 'string' || typeof queued_at !== 'number') {
      return undefined;
    }
    return { client_msg_id, room_id, content, queued_at };
  } catch {
    return undefined;
  }
}
