import {
  CLOSE_CODES,
  shouldReconnect,
  subprotocolsFor,
  type ChatMessage,
  type ClientTextMessageData,
  type DurableEvent,
  type EventAckData,
  type ErrorData,
  type JoinRoomData,
  type Limits,
  type MessageAckData,
  type ReadAckData,
  type RoomId,
  type RoomJoinedData,
  type RoomLeftData,
  type SessionId,
  type SystemMessageData,
  type UserId,
  type WelcomeData,
} from '@parley/protocol';

import type { JoinOptions, ParleyClient } from './api.js';
import { ReconnectSchedule } from './backoff.js';
import { Emitter } from './emitter.js';
import { EventRequests, type EventAction, type EventRequest } from './event-requests.js';
import { ParleyError } from './errors.js';
import { decodeServerFrame, encodeClientFrame } from './frames.js';
import { CLIENT_MSG_ID } from './generated/protocol-schemas.js';
import { callGetToken, describe } from './get-token.js';
import { Heartbeat } from './heartbeat.js';
import { newClientMsgId } from './ids.js';
import { connectionUrl, resolveOptions, type ResolvedOptions } from './options.js';
import { loadOutbox } from './outbox.js';
import { Requests } from './requests.js';
import { restCaller, restGet } from './rest.js';
import { Room, type ParleyRoom } from './room.js';
import { RoomTracker } from './rooms.js';
import { checkSchema, type JsonSchema } from './schema-check.js';
import { withTimeout } from './timeout.js';
import { Transport } from './transport.js';
import { checkContent, checkRoomId, checkSinceSeq } from './validate.js';
import type { ClientEventName, ClientEvents, ClientOptions, ClientState } from './types.js';

/**
 * Creates a client; nothing happens on the network until `connect()`. Throws a TypeError or
 * RangeError for invalid options (a non-ws URL, no WebSocket class, bad backoff bounds).
 */
export function createClient(options: ClientOptions): ParleyClient {
  return new Client(resolveOptions(options));
}

class Client implements ParleyClient {
  readonly #events = new Emitter<ClientEvents>();
  readonly #rooms = new RoomTracker();
  readonly #requests: Requests;
  readonly #eventRequests = new EventRequests();
  /** The room objects handed out by `room()`, one per id. */
  readonly #roomObjects = new Map<RoomId, Room>();
  /** `mark_read`s waiting for their `read_ack`, and the positions not sent yet (the latest per room). */
  readonly #readWaiters = new Map<RoomId, ((ack: ReadAckData) => void)[]>();
  readonly #pendingReads = new Map<RoomId, number>();
  readonly #schedule: ReconnectSchedule;
  readonly #transport: Transport;
  readonly #heartbeat: Heartbeat;
  #state: ClientState = { status: 'idle' };
  #welcome: WelcomeData | undefined;
  #resumeSessionId: SessionId | undefined;
  /** Why the client is closed, while it is. */
  #closedError: ParleyError | undefined;
  /** The welcome timeout while connecting, the reconnect delay while reconnecting. */
  #timer: unknown;
  #retryTimer: unknown;
  #connectWaiters: { resolve(w: WelcomeData): void; reject(e: ParleyError): void }[] = [];
  /** Counts connection attempts and final closes, so a late `getToken` answer for an old one is dropped. */
  #attemptId = 0;
  /** The token of the latest connection or refresh (`getToken`'s last answer, else the static one). */
  #token: string | undefined;
  /** A 4401 was already retried with a fresh token since the last `welcome`. */
  #authRetried = false;
  /** A `refresh` frame is waiting for its `token_refreshed` (or error). */
  #refreshInFlight = false;

  constructor(private readonly options: ResolvedOptions) {
    this.#requests = new Requests(options.outbox, (issue) => this.#events.emit('debug', { kind: 'outbox_storage_failed', issue }));
    this.#schedule = new ReconnectSchedule(options.backoff, options.random);
    this.#token = options.token;
    this.#transport = new Transport(options.WebSocket, {
      onFrame: (data) => this.#onFrame(data),
      onClose: (code, reason) => this.#onClose(code, reason),
    });
    this.#heartbeat = new Heartbeat(
      options.timers,
      (sequence) => this.#transport.send(encodeClientFrame('heartbeat', { sequence }, this.sessionId)),
      () => this.#transport.abandon(CLOSE_CODES.HEARTBEAT_TIMEOUT.code, 'heartbeat not echoed in time'),
    );
  }

  get state(): ClientState {
    return this.#state;
  }
  get sessionId(): SessionId | undefined {
    return this.#welcome?.session_id ?? this.#resumeSessionId ?? this.options.sessionId;
  }
  get userId(): UserId | undefined {
    return this.#welcome?.user_id;
  }
  get limits(): Limits | undefined {
    return this.#welcome?.limits;
  }
  rooms(): RoomId[] {
    return this.#rooms.list();
  }
  lastSeq(roomId: RoomId): number | undefined {
    return this.#rooms.lastSeq(roomId);
  }
  on<K extends ClientEventName>(event: K, fn: (payload: ClientEvents[K]) => void): () => void {
    return this.#events.on(event, fn);
  }
  once<K extends ClientEventName>(event: K, fn: (payload: ClientEvents[K]) => void): () => void {
    return this.#events.once(event, fn);
  }
  off<K extends ClientEventName>(event: K, fn: (payload: ClientEvents[K]) => void): void {
    this.#events.off(event, fn);
  }

  room(roomId: RoomId): ParleyRoom {
    const invalid = checkRoomId(roomId);
    if (invalid !== undefined) throw invalid;
    let room = this.#roomObjects.get(roomId);
    if (room === undefined) {
      room = new Room(roomId, {
        join: (id, options) => this.join(id, options),
        leave: (id) => this.leave(id),
        send: (id, content) => this.send(id, content),
        act: (action) => this.#act(action),
        self: () => this.userId,
        tracks: (id) => this.#rooms.list().includes(id),
        get: (path, schema, what) => this.#get(path, schema, what),
        markRead: (id, seq) => this.#markRead(id, seq),
        typing: (id) => this.#state.status === 'connected' && this.#transport.send(encodeClientFrame('typing', { room_id: id }, this.sessionId)),
        timers: this.options.timers,
      });
      this.#roomObjects.set(roomId, room);
    }
    return room;
  }

  #get<T>(path: string, schema: JsonSchema, what: string): Promise<T> {
    const { apiUrl, fetch, timers, timeoutMs } = this.options;
    const caller = () => restCaller(this.options.getToken, this.options.token, this.sessionId);
    return restGet<T>({ apiUrl, fetch, timers, timeoutMs, caller }, path, schema, what);
  }

  /** Puts the sends an earlier client left in the outbox storage back in this one's outbox. */
  #restoreOutbox(): void {
    loadOutbox(
      this.options.outbox,
      (records) => {
        // A record the server would refuse for its shape (storage edited by hand, an older
        // deployment's limits) would be resent after every reconnect: dropped instead.
        const valid = records.filter((record) => {
          const ok =
            checkSchema(CLIENT_MSG_ID, record.client_msg_id) === undefined &&
            checkRoomId(record.room_id) === undefined &&
            typeof checkContent(record.content, undefined) === 'string';
          if (!ok) this.#requests.forget(record.client_msg_id);
          return ok;
        });
        const added = this.#requests.restore(valid);
        for (const record of added) this.#rooms.track(record.room_id);
        if (added.length > 0 && this.#state.status === 'connected') {
          for (const data of this.#requests.unsent()) this.#sendText(data);
        }
      },
      (err) => this.#events.emit('debug', { kind: 'outbox_storage_failed', issue: describe(err) }),
    );
  }

  connect(): Promise<WelcomeData> {
    if (this.#state.status === 'connected' && this.#welcome !== undefined) return Promise.resolve(this.#welcome);
    const promise = new Promise<WelcomeData>((resolve, reject) => this.#connectWaiters.push({ resolve, reject }));
    // Fire-and-forget `connect()` is normal use (the state event reports the outcome): a rejection
    // nobody awaits must not become an unhandled rejection, which would end a Node process.
    promise.catch(() => undefined);
    if (this.#state.status === 'idle' || this.#state.status === 'closed') {
      this.#closedError = undefined;
      this.#schedule.reset();
      this.#schedule.clearHint();
      this.#restoreOutbox();
      this.#open();
    }
    const timed = this.#timed(promise, 'connect');
    timed.catch(() => undefined);
    return timed;
  }

  /** `promise` with the client's timeout. */
  #timed<T>(promise: Promise<T>, what: string): Promise<T> {
    return withTimeout(promise, this.options.timeoutMs, this.options.timers, what);
  }

  close(): void {
    if (this.#state.status === 'closed') return;
    this.#transport.close(1000, 'client closed');
    this.#finish(1000, 'client closed', ParleyError.closed(true, 1000, 'client closed'));
  }

  join(roomId: RoomId, options: JoinOptions = {}): Promise<RoomJoinedData> {
    const invalid = this.#closedError ?? checkRoomId(roomId) ?? checkSinceSeq(options.sinceSeq);
    if (invalid !== undefined) return Promise.reject(invalid);
    this.#rooms.track(roomId, options.sinceSeq);
    const promise = this.#requests.addJoin(roomId);
    if (this.#state.status === 'connected') this.#sendJoin(this.#rooms.joinData(roomId));
    return this.#timed(promise, `join ${roomId}`);
  }

  leave(roomId: RoomId): Promise<void> {
    const invalid = this.#closedError ?? checkRoomId(roomId);
    if (invalid !== undefined) return Promise.reject(invalid);
    this.#rooms.untrack(roomId);
    if (this.#state.status !== 'connected') return Promise.resolve();
    const promise = this.#requests.addLeave(roomId);
    if (this.#transport.send(encodeClientFrame('leave_room', { room_id: roomId }, this.sessionId))) {
      this.#requests.sentLeave(roomId);
    }
    return this.#timed(promise, `leave ${roomId}`);
  }

  send(roomId: RoomId, content: string): Promise<MessageAckData> {
    const checked = this.#closedError ?? checkRoomId(roomId) ?? checkContent(content, this.#welcome?.limits);
    if (checked instanceof ParleyError) return Promise.reject(checked);
    const data = { content: checked, room_id: roomId, client_msg_id: newClientMsgId() };
    this.#rooms.track(roomId);
    const promise = this.#requests.addSend(data);
    if (this.#state.status === 'connected') this.#sendText(data);
    return this.#timed(promise, 'send');
  }

  /** An edit, delete or reaction: queued until its `event_ack`, sent again after each reconnect with the same `client_msg_id`. */
  #act(action: EventAction): Promise<EventAckData> {
    const { data } = action;
    const checked =
      this.#closedError ??
      checkRoomId(data.room_id) ??
      ('content' in data ? checkContent(data.content, this.#welcome?.limits) : undefined) ??
      ('emoji' in data && (typeof data.emoji !== 'string' || data.emoji === '') ? ParleyError.validation('emoji', 'emoji is required') : undefined);
    if (checked instanceof ParleyError) return Promise.reject(checked);
    const request = { type: action.type, data: { ...data, client_msg_id: newClientMsgId() } } as EventRequest;
    this.#rooms.track(data.room_id);
    const promise = this.#eventRequests.add(request);
    if (this.#state.status === 'connected') this.#sendEvent(request);
    return this.#timed(promise, action.type);
  }

  /** `mark_read`: sent now, or on the next welcome (only the latest per room); resolves on the room's next `read_ack`. */
  #markRead(roomId: RoomId, seq: number): Promise<ReadAckData> {
    const invalid =
      this.#closedError ??
      checkRoomId(roomId) ??
      (Number.isInteger(seq) && seq >= 0 ? undefined : ParleyError.validation('seq', 'seq must be an integer >= 0'));
    if (invalid !== undefined) return Promise.reject(invalid);
    const promise = new Promise<ReadAckData>((resolve) => {
      const waiting = this.#readWaiters.get(roomId) ?? [];
      waiting.push(resolve);
      this.#readWaiters.set(roomId, waiting);
    });
    this.#pendingReads.set(roomId, Math.max(seq, this.#pendingReads.get(roomId) ?? 0));
    if (this.#state.status === 'connected') this.#sendReads();
    return this.#timed(promise, `mark ${roomId} read`);
  }

  #sendReads(): void {
    for (const [room_id, seq] of this.#pendingReads) {
      if (this.#transport.send(encodeClientFrame('mark_read', { room_id, seq }, this.sessionId))) this.#pendingReads.delete(room_id);
    }
  }

  #onReadAck(ack: ReadAckData): void {
    const waiting = this.#readWaiters.get(ack.room_id);
    this.#readWaiters.delete(ack.room_id);
    for (const resolve of waiting ?? []) resolve(ack);
    this.#roomObjects.get(ack.room_id)?.readAck(ack);
  }

  #sendEvent(request: EventRequest): void {
    this.#transport.send(encodeClientFrame(request.type, request.data as never, this.sessionId));
  }

  #setState(state: ClientState): void {
    this.#state = state;
    const connection = state.status === 'connected' ? 'connected' : state.status === 'closed' ? 'closed' : 'disconnected';
    for (const room of this.#roomObjects.values()) room.connection(connection);
    this.#events.emit('state', state);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    // A pending rate-limit retry is moot too: a welcome flushes the whole outbox, a close rejects it.
    if (this.#retryTimer !== undefined) this.options.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  // Each transition does its work first and reports the new state last, so a listener that
  // calls close() or connect() from the `state` event sees a settled client.

  /**
   * One connection attempt: a fresh token from `getToken` (if given), then the socket. The
   * connect timeout covers both, so a `getToken` that never settles is a failed attempt too.
   */
  #open(): void {
    this.#clearTimer();
    const attemptId = ++this.#attemptId;
    this.#timer = this.options.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#failAttempt(CLOSE_CODES.HEARTBEAT_TIMEOUT.code, 'no welcome in time');
    }, this.options.connectTimeoutMs);
    const { getToken } = this.options;
    if (getToken === undefined) this.#openSocket();
    else {
      callGetToken(getToken).then(
        (token) => {
          if (attemptId !== this.#attemptId || this.#state.status !== 'connecting') return;
          this.#token = token;
          this.#openSocket();
        },
        (err: unknown) => {
          if (attemptId !== this.#attemptId || this.#state.status !== 'connecting') return;
          // Like a socket that could not be created (1006): retried with backoff.
          this.#onClose(ABNORMAL_CLOSURE, `getToken failed: ${describe(err)}`);
        },
      );
    }
    this.#setState({ status: 'connecting', attempt: this.#schedule.attempt });
  }

  #openSocket(): void {
    const url = connectionUrl(this.options, this.#resumeSessionId);
    this.#transport.open(url, this.#token === undefined ? undefined : subprotocolsFor(this.#token));
  }

  /** Ends the current attempt with `code`, whether its socket is open yet or `getToken` is still running. */
  #failAttempt(code: number, reason: string): void {
    this.#attemptId += 1;
    if (!this.#transport.abandon(code, reason)) this.#onClose(code, reason);
  }

  /** The socket closed: reconnect or stop, decided from the close code alone. */
  #onClose(code: number, reason: string): void {
    this.#clearTimer();
    this.#heartbeat.stop();
    this.#requests.disconnected();
    this.#refreshInFlight = false;
    if (this.#state.status === 'closed' || this.#state.status === 'idle') return;
    // The token may have expired (a rolling deploy outlasting it, a refresh that came too late):
    // one more attempt with a fresh one before the refusal is believed.
    const retryAuth = code === CLOSE_CODES.AUTHENTICATION_FAILED.code && this.options.getToken !== undefined && !this.#authRetried;
    if (retryAuth) this.#authRetried = true;
    if (!shouldReconnect(code) && !retryAuth) {
      // The server refused this identity: a later connect() starts from the configured one.
      if (code === CLOSE_CODES.AUTHENTICATION_FAILED.code) {
        this.#resumeSessionId = undefined;
        this.#welcome = undefined;
      }
      this.#finish(code, reason, ParleyError.closed(false, code, reason));
      return;
    }
    const inMs = this.#schedule.next();
    this.#timer = this.options.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#open();
    }, inMs);
    this.#setState({ status: 'reconnecting', in_ms: inMs, attempt: this.#schedule.attempt, code, reason });
  }

  #finish(code: number, reason: string, error: ParleyError): void {
    this.#attemptId += 1;
    this.#clearTimer();
    this.#heartbeat.stop();
    this.#closedError = error;
    this.#requests.rejectAll(error);
    this.#eventRequests.rejectAll(error);
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.#setState({ status: 'closed', code, reason });
  }

  #sendJoin(data: JoinRoomData): void {
    if (this.#transport.send(encodeClientFrame('join_room', data, this.sessionId))) {
      this.#requests.sentJoin(data.room_id);
    }
  }

  /** Sends refused by the rate limit go out again, in order, once the server's wait is over. */
  #retrySendsLater(retryAfterMs = 1_000): void {
    if (this.#retryTimer !== undefined) return;
    this.#retryTimer = this.options.timers.setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#state.status !== 'connected') return; // the next welcome flushes the outbox
      for (const data of this.#requests.unsent()) this.#sendText(data);
    }, retryAfterMs);
  }

  #sendText(data: ClientTextMessageData & { client_msg_id: string }): void {
    if (this.#transport.send(encodeClientFrame('text_message', data, this.sessionId))) {
      this.#requests.sentSend(data.client_msg_id);
    }
  }

  #onFrame(raw: unknown): void {
    const frame = decodeServerFrame(raw);
    if (frame.kind === 'invalid') return this.#events.emit('debug', { kind: 'invalid_frame', issue: frame.issue });
    if (frame.kind === 'ignored') {
      const { type, action } = frame;
      const event = action === undefined ? { type } : { type, action };
      return this.#events.emit('debug', { kind: 'ignored_frame', ...event });
    }
    const message = frame.message;
    switch (message.type) {
      case 'system_message':
        return this.#onSystem(message.data);
      case 'text_message':
        return this.#onLog({ type: 'text_message', data: message.data });
      case 'message_edited':
      case 'message_deleted':
      case 'reaction_added':
      case 'reaction_removed':
        return this.#onLog({ type: message.type, data: message.data } as DurableEvent);
      case 'event_ack':
        this.#eventRequests.ack(message.data);
        return this.#events.emit('event_ack', message.data);
      case 'message_ack':
        this.#requests.ack(message.data);
        return this.#events.emit('ack', message.data);
      case 'heartbeat':
        return this.#heartbeat.echoed(message.data.sequence);
      case 'read_ack':
        return this.#onReadAck(message.data);
      case 'read_receipt':
        return this.#roomObjects.get(message.data.room_id)?.receipt(message.data);
      case 'user_typing':
        return this.#roomObjects.get(message.data.room_id)?.userTyping(message.data.user_id);
      case 'error':
        return this.#onError(message.data);
    }
  }

  #onSystem(data: SystemMessageData): void {
    switch (data.action) {
      case 'welcome':
        this.#onWelcome(data);
        break;
      case 'room_joined':
        this.#rooms.joined(data.room_id, data.last_seq);
        this.#requests.joined(data);
        this.#roomObjects
          .get(data.room_id)
          ?.joined(data.last_seq, data.read_seq === undefined || data.unread === undefined ? undefined : { read_seq: data.read_seq, unread: data.unread });
        break;
      case 'room_left':
        this.#onRoomLeft(data);
        break;
      case 'reconnect':
        this.#schedule.hint(data.retry_after_ms);
        break;
      case 'token_expiring':
        this.#refreshToken();
        break;
      case 'token_refreshed':
        this.#refreshInFlight = false;
        break;
    }
    this.#events.emit('system', data);
    if (data.action === 'user_joined' || data.action === 'user_left') {
      const change = { kind: data.action === 'user_joined' ? 'joined' : 'left', user_id: data.user_id, room_id: data.room_id } as const;
      this.#events.emit('presence', change);
      this.#roomObjects.get(data.room_id)?.presenceChanged(change);
    }
  }

  #onRoomLeft(data: RoomLeftData): void {
    // Removed by an owner or admin: rejoining on the next connection would be refused.
    if (data.reason === 'removed') this.#rooms.untrack(data.room_id);
    this.#requests.left(data.room_id);
    if (data.reason === 'removed' || !this.#rooms.list().includes(data.room_id)) {
      this.#roomObjects.get(data.room_id)?.left(data.reason ?? 'left');
    }
  }

  /** A connection is established: rejoin rooms from their last `seq`, flush the outbox, heartbeat. */
  #onWelcome(welcome: WelcomeData): void {
    if (this.#state.status !== 'connecting') return;
    this.#clearTimer();
    this.#schedule.reset();
    this.#authRetried = false;
    this.#welcome = welcome;
    this.#resumeSessionId = welcome.session_id;
    for (const roomId of welcome.rooms) this.#rooms.track(roomId);
    for (const data of this.#rooms.rejoinAll(welcome.rooms)) this.#sendJoin(data);
    for (const data of this.#requests.unsent()) this.#sendText(data);
    for (const request of this.#eventRequests.all()) this.#sendEvent(request);
    this.#sendReads();
    this.#heartbeat.start(this.options.heartbeatIntervalMs ?? welcome.heartbeat_interval_ms, this.options.heartbeatTimeoutMs ?? welcome.limits.pong_timeout_ms);
    this.#setState({ status: 'connected', session_id: welcome.session_id, user_id: welcome.user_id });
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.resolve(welcome);
  }

  /** One entry of a room's log, live or replayed: delivered exactly once and in `seq` order, or dropped, or a gap rejoined. */
  #onLog(entry: { type: 'text_message'; data: ChatMessage } | DurableEvent): void {
    const verdict = this.#rooms.accept(entry.data);
    const { room_id, seq } = entry.data;
    switch (verdict.action) {
      case 'deliver':
        if (entry.type === 'text_message') {
          this.#events.emit('message', entry.data);
          return this.#roomObjects.get(room_id)?.message(entry.data);
        }
        this.#events.emit('event', entry);
        return this.#roomObjects.get(room_id)?.event(entry);
      case 'duplicate':
        return this.#events.emit('debug', { kind: 'duplicate', room_id, seq });
      case 'untracked':
        return this.#events.emit('debug', { kind: 'not_member', room_id, seq });
      case 'gap':
        this.#events.emit('debug', { kind: 'gap', room_id, expected: verdict.expected, got: seq });
        if (verdict.rejoin !== undefined) this.#sendJoin(verdict.rejoin);
        return;
    }
  }

  /**
   * The server warned that the connection's token expires soon: send a fresh one from `getToken`.
   * With a static token there is nothing to send; the socket closes with 4401 at expiry.
   */
  #refreshToken(): void {
    const { getToken } = this.options;
    if (getToken === undefined) return;
    const attemptId = this.#attemptId;
    callGetToken(getToken).then(
      (token) => {
        if (attemptId !== this.#attemptId || this.#state.status !== 'connected') return;
        this.#token = token;
        if (this.#transport.send(encodeClientFrame('refresh', { token }, this.sessionId))) this.#refreshInFlight = true;
      },
      (err: unknown) => this.#events.emit('debug', { kind: 'refresh_failed', issue: describe(err) }),
    );
  }

  #onError(error: ErrorData): void {
    if (this.#refreshInFlight && error.error_code === 'AUTHENTICATION_ERROR') {
      this.#refreshInFlight = false;
      this.#events.emit('debug', { kind: 'refresh_failed', issue: error.error_message });
      return this.#events.emit('error', error);
    }
    if (this.#eventRequests.fail(error)) return;
    const target = this.#requests.fail(error, this.#heartbeat.inFlight || this.#refreshInFlight);
    // A send restored from storage has no promise to reject: its refusal is reported here.
    if (target === undefined || (target.kind === 'send' && target.restored === true && error.error_code !== 'RATE_LIMIT_EXCEEDED')) {
      this.#events.emit('error', error);
    }
    if (target === undefined) return;
    if (target.kind === 'send' && error.error_code === 'RATE_LIMIT_EXCEEDED') return this.#retrySendsLater(error.details?.retry_after_ms);
    if (target.kind === 'join') this.#rooms.joinFailed(target.roomId, error.details?.retryable !== true);
  }
}

/** The close code reported for an attempt that never got a socket (as browsers report it). */
const ABNORMAL_CLOSURE = 1006;
