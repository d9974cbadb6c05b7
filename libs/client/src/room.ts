import type {
  ChatMessage,
  DurableEvent,
  EventAckData,
  MessageAckData,
  MessagesPage,
  ReadAckData,
  ReadReceiptData,
  RoomId,
  RoomJoinedData,
  RoomPresenceResponse,
  UserId,
} from '@parley/protocol';

import type { JoinOptions } from './api.js';
import { Emitter } from './emitter.js';
import type { ParleyError } from './errors.js';
import type { EventAction } from './event-requests.js';
import { MESSAGES_PAGE, ROOM_PRESENCE, TYPING } from './generated/protocol-schemas.js';
import { MessageStates, type MessageView } from './message-state.js';
import type { JsonSchema } from './schema-check.js';
import type { PresenceChange, Timers } from './types.js';

/**
 * A room's membership, reported by the room's `state` event and `state` property.
 * - `idle`: not joined (never, refused, or the client closed);
 * - `joining`: a join is on its way, or the connection dropped and the room is rejoined on the next one;
 * - `joined`: a member on the current connection; `last_seq` was the room's latest `seq` at join time;
 * - `left`: left by `leave()` (`left`) or removed by an owner or admin (`removed`).
 */
export type RoomState =
  | { readonly status: 'idle' }
  | { readonly status: 'joining' }
  | { readonly status: 'joined'; readonly last_seq: number }
  | { readonly status: 'left'; readonly reason: 'left' | 'removed' };

/**
 * A room's events.
 * - `message`: the room's chat messages, exactly once and in `seq` order, own ones included;
 * - `event`: the room's edits, deletes and reactions (`message_edited`, `message_deleted`,
 *   `reaction_added`, `reaction_removed`), exactly once and in the same `seq` order as messages;
 * - `change`: a message's current state changed (a message, an event, or a history page did it):
 *   the new {@link MessageView}, as `messages()` now lists it;
 * - `presence`: someone joined or left the room (soft state);
 * - `state`: every change of {@link RoomState};
 * - `typing`: another member started typing (`typing: true`), or stopped: TYPING.expire_ms (6 s)
 *   passed without a repeat, or their message arrived (`typing: false`);
 * - `read_receipt`: another member read up to `seq` (rooms up to the server's size limit; coalesced);
 * - `read`: your `readSeq` or `unread` changed.
 */
export interface RoomEvents {
  message: ChatMessage;
  event: DurableEvent;
  change: MessageView;
  presence: PresenceChange;
  state: RoomState;
  typing: TypingChange;
  read_receipt: ReadReceiptData;
  read: ReadState;
}

/** Someone else's typing in a room. */
export interface TypingChange {
  readonly user_id: UserId;
  readonly typing: boolean;
}

/**
 * Your reading of a room: `read_seq` as the server stores it, and `unread`, the other users'
 * messages after it (as of the last `room_joined` or `read_ack`, plus others' messages delivered
 * live since; a deletion is only reflected at the next of those).
 */
export interface ReadState {
  readonly read_seq: number;
  readonly unread: number;
}

/** Options of {@link ParleyRoom.history}. */
export interface HistoryOptions {
  /** Only messages with `seq < before` (the page's `next_before_seq` pages further back). */
  before?: number;
  /** Only messages with `seq > after` (catching up forwards). */
  after?: number;
  /** Page size; default 50, at most the deployment's `history_page_max` (larger is clamped). */
  limit?: number;
}

/**
 * One room, from {@link ParleyClient.room}: the same object for the same id, for the client's
 * lifetime. Its methods are the client's, bound to this room; every promise rejects with a
 * {@link ParleyError} (`TIMEOUT` after the client's `timeoutMs`).
 */
export interface ParleyRoom {
  readonly id: RoomId;
  readonly state: RoomState;
  /** Joins the room (rejoined after every reconnect, from its last `seq`); resolves on `room_joined`. */
  join(options?: JoinOptions): Promise<RoomJoinedData>;
  /** Leaves the room; resolves on `room_left`. */
  leave(): Promise<void>;
  /** Posts `content`; resolves with its `message_ack` once stored. See {@link ParleyClient.send}. */
  send(content: string): Promise<MessageAckData>;
  /**
   * A page of the room's history over REST, ascending by `seq` (newest page without `after`),
   * each message in its current state; the page is merged into `messages()`. Load it after
   * joining: live events from the join on keep it current.
   */
  history(options?: HistoryOptions): Promise<MessagesPage>;
  /**
   * The messages this room object has seen (delivered, or loaded by `history()`), ascending by
   * `seq`, in their current state: edited content and `edited_at`, tombstones (`deleted_at`,
   * empty content), reaction counts with `me`. The same whether built live, from catch-up after
   * reconnects, or from history pages, in any mix.
   */
  messages(): MessageView[];
  /** Replaces the content of one of your messages; resolves with its `event_ack` once stored. */
  edit(messageId: string, content: string): Promise<EventAckData>;
  /** Deletes a message (yours, or any as a room owner or admin); resolves with its `event_ack` once stored. */
  delete(messageId: string): Promise<EventAckData>;
  /** Adds your `emoji` reaction to a message; resolves with its `event_ack` once stored. */
  react(messageId: string, emoji: string): Promise<EventAckData>;
  /** Removes your `emoji` reaction from a message; resolves with its `event_ack` once stored. */
  unreact(messageId: string, emoji: string): Promise<EventAckData>;
  /** Who is online in the room now, over REST. */
  presence(): Promise<RoomPresenceResponse>;
  /** Your read position (0 before the first `room_joined` from a server with read positions). */
  readonly readSeq: number;
  /** Other users' messages after {@link readSeq} (see {@link ReadState}). */
  readonly unread: number;
  /**
   * Marks the room read up to `seq` (default: the highest `seq` this room object has seen); never
   * moves back. Resolves with the position after it (`read_ack`); sent once connected.
   */
  markRead(seq?: number): Promise<ReadAckData>;
  /**
   * Tells the other members you are typing. Call it on every keystroke: it sends at most one
   * `typing` frame per TYPING.repeat_ms (2.5 s), and nothing while the room is not joined.
   */
  typing(): void;
  /** Who else is typing now (each until 6 s pass without a repeat). */
  typists(): UserId[];
  /** Subscribes to a room event; returns the unsubscribe function. */
  on<K extends keyof RoomEvents>(event: K, fn: (payload: RoomEvents[K]) => void): () => void;
  /** Like `on`, for the next event only. */
  once<K extends keyof RoomEvents>(event: K, fn: (payload: RoomEvents[K]) => void): () => void;
  /** Unsubscribes every subscription of `fn` to `event`. */
  off<K extends keyof RoomEvents>(event: K, fn: (payload: RoomEvents[K]) => void): void;
}

/** What a room needs from its client: the requests, bound to no room. */
export interface RoomHost {
  join(roomId: RoomId, options?: JoinOptions): Promise<RoomJoinedData>;
  leave(roomId: RoomId): Promise<void>;
  send(roomId: RoomId, content: string): Promise<MessageAckData>;
  /** Sends an edit, delete or reaction (a `client_msg_id` is added) and resolves on its `event_ack`. */
  act(action: EventAction): Promise<EventAckData>;
  /** The user this client is (the `me` of reactions). */
  self(): UserId | undefined;
  /** Whether the client still wants to be in `roomId` (it rejoins it on reconnect). */
  tracks(roomId: RoomId): boolean;
  get<T>(path: string, schema: JsonSchema, what: string): Promise<T>;
  markRead(roomId: RoomId, seq: number): Promise<ReadAckData>;
  /** Sends a `typing` frame now if connected; false when it could not. */
  typing(roomId: RoomId): boolean;
  readonly timers: Timers;
}

/** {@link ParleyRoom}, plus the notifications its client feeds it. */
export class Room implements ParleyRoom {
  readonly #events = new Emitter<RoomEvents>();
  readonly #messages = new MessageStates();
  #state: RoomState = { status: 'idle' };
  #read: ReadState = { read_seq: 0, unread: 0 };
  /** The room's last seq at the latest join: later messages are news, earlier ones were counted by the server. */
  #joinedAt = 0;
  #highestSeq = 0;
  #typingSentAt = -Infinity;
  readonly #typists = new Map<UserId, unknown>();

  constructor(
    readonly id: RoomId,
    private readonly host: RoomHost,
  ) {}

  get state(): RoomState {
    return this.#state;
  }

  join(options?: JoinOptions): Promise<RoomJoinedData> {
    const promise = this.host.join(this.id, options);
    if (this.#state.status !== 'joined' && this.host.tracks(this.id)) this.#set({ status: 'joining' });
    return promise.catch((err: ParleyError) => {
      // Refused for good (the client stopped tracking the room): not joining any more.
      if (this.#state.status === 'joining' && !this.host.tracks(this.id)) this.#set({ status: 'idle' });
      throw err;
    });
  }

  leave(): Promise<void> {
    const promise = this.host.leave(this.id);
    // The client stops tracking at once, so the room is left whatever the server answers.
    if (this.#state.status !== 'idle' && this.#state.status !== 'left') this.#set({ status: 'left', reason: 'left' });
    return promise;
  }

  send(content: string): Promise<MessageAckData> {
    return this.host.send(this.id, content);
  }

  history(options: HistoryOptions = {}): Promise<MessagesPage> {
    const query = new URLSearchParams();
    if (options.before !== undefined) query.set('before_seq', String(options.before));
    if (options.after !== undefined) query.set('after_seq', String(options.after));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const search = query.toString() === '' ? '' : `?${query.toString()}`;
    return this.host.get<MessagesPage>(`api/rooms/${this.id}/messages/${search}`, MESSAGES_PAGE, `history of ${this.id}`).then((page) => {
      for (const view of this.#messages.load(page)) this.#events.emit('change', view);
      return page;
    });
  }

  messages(): MessageView[] {
    return this.#messages.list();
  }

  edit(messageId: string, content: string): Promise<EventAckData> {
    return this.host.act({ type: 'edit_message', data: { room_id: this.id, message_id: messageId, content } });
  }

  delete(messageId: string): Promise<EventAckData> {
    return this.host.act({ type: 'delete_message', data: { room_id: this.id, message_id: messageId } });
  }

  react(messageId: string, emoji: string): Promise<EventAckData> {
    return this.host.act({ type: 'add_reaction', data: { room_id: this.id, message_id: messageId, emoji } });
  }

  unreact(messageId: string, emoji: string): Promise<EventAckData> {
    return this.host.act({ type: 'remove_reaction', data: { room_id: this.id, message_id: messageId, emoji } });
  }

  presence(): Promise<RoomPresenceResponse> {
    return this.host.get(`api/rooms/${this.id}/presence/`, ROOM_PRESENCE, `presence of ${this.id}`);
  }

  get readSeq(): number {
    return this.#read.read_seq;
  }

  get unread(): number {
    return this.#read.unread;
  }

  markRead(seq: number = this.#highestSeq): Promise<ReadAckData> {
    return this.host.markRead(this.id, seq);
  }

  typing(): void {
    const now = Date.now();
    if (this.#state.status !== 'joined' || now - this.#typingSentAt < TYPING.repeat_ms) return;
    if (this.host.typing(this.id)) this.#typingSentAt = now;
  }

  typists(): UserId[] {
    return [...this.#typists.keys()];
  }

  on<K extends keyof RoomEvents>(event: K, fn: (payload: RoomEvents[K]) => void): () => void {
    return this.#events.on(event, fn);
  }
  once<K extends keyof RoomEvents>(event: K, fn: (payload: RoomEvents[K]) => void): () => void {
    return this.#events.once(event, fn);
  }
  off<K extends keyof RoomEvents>(event: K, fn: (payload: RoomEvents[K]) => void): void {
    this.#events.off(event, fn);
  }

  /** A message of this room was delivered. */
  message(message: ChatMessage): void {
    this.#highestSeq = Math.max(this.#highestSeq, message.seq);
    this.#stopTyping(message.user_id);
    if (message.user_id !== this.host.self() && message.seq > this.#joinedAt && message.seq > this.#read.read_seq) {
      this.#setRead({ read_seq: this.#read.read_seq, unread: this.#read.unread + 1 });
    }
    this.#events.emit('message', message);
    this.#changed(this.#messages.apply({ type: 'text_message', data: message }, this.host.self()));
  }

  /** An edit, delete or reaction of this room was delivered. */
  event(event: DurableEvent): void {
    this.#events.emit('event', event);
    this.#changed(this.#messages.apply(event, this.host.self()));
  }

  #changed(view: MessageView | undefined): void {
    if (view !== undefined) this.#events.emit('change', view);
  }

  presenceChanged(change: PresenceChange): void {
    this.#events.emit('presence', change);
  }

  joined(lastSeq: number, read?: ReadState): void {
    this.#joinedAt = lastSeq;
    this.#highestSeq = Math.max(this.#highestSeq, lastSeq);
    this.#set({ status: 'joined', last_seq: lastSeq });
    if (read) this.#setRead(read);
  }

  /** This client's `mark_read` was stored. */
  readAck(ack: ReadAckData): void {
    if (ack.read_seq >= this.#read.read_seq) this.#setRead({ read_seq: ack.read_seq, unread: ack.unread });
  }

  receipt(receipt: ReadReceiptData): void {
    this.#events.emit('read_receipt', receipt);
  }

  /** `user_typing`: shown until TYPING.expire_ms pass without a repeat. */
  userTyping(userId: UserId): void {
    const { timers } = this.host;
    const known = this.#typists.has(userId);
    if (known) timers.clearTimeout(this.#typists.get(userId));
    this.#typists.set(
      userId,
      timers.setTimeout(() => this.#stopTyping(userId), TYPING.expire_ms),
    );
    if (!known) this.#events.emit('typing', { user_id: userId, typing: true });
  }

  #stopTyping(userId: UserId): void {
    if (!this.#typists.has(userId)) return;
    this.host.timers.clearTimeout(this.#typists.get(userId));
    this.#typists.delete(userId);
    this.#events.emit('typing', { user_id: userId, typing: false });
  }

  #setRead(read: ReadState): void {
    this.#read = { read_seq: read.read_seq, unread: read.unread };
    this.#events.emit('read', this.#read);
  }

  left(reason: 'left' | 'removed'): void {
    if (this.#state.status !== 'left') this.#set({ status: 'left', reason });
  }

  /** The client's connection changed: a joined room waits for its rejoin, or is idle once the client closed. */
  connection(status: 'connected' | 'disconnected' | 'closed'): void {
    if (status === 'closed' && (this.#state.status === 'joined' || this.#state.status === 'joining')) this.#set({ status: 'idle' });
    if (status === 'disconnected' && this.#state.status === 'joined') this.#set({ status: 'joining' });
  }

  #set(state: RoomState): void {
    this.#state = state;
    this.#events.emit('state', state);
  }
}
