import type { ChatMessage, DurableEvent, ErrorData, EventAckData, MessageAckData, SessionId, SystemMessageData, RoomId, UserId } from '@parley/protocol';

import type { OutboxStorage } from './outbox.js';

/**
 * The public types of the SDK: options, the connection state, events, and the minimal WebSocket
 * and timer surfaces the client is built on (so browsers, the `ws` package and fakes all fit).
 */

/**
 * A listener type checked bivariantly, as DOM and `ws` declare their `on*` handlers with their
 * own event classes; the client only reads the fields named here.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket the client uses: the browser's `WebSocket` and `ws`'s both fit. */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** `data` is a string for text frames (browsers and `ws` 8 alike). */
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket class: `globalThis.WebSocket` in browsers, `import { WebSocket } from 'ws'` in Node 20.
 * `protocols` carries the token (`parley.v1`, `parley.token.<jwt>`) when the client has one.
 */
export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike;

/** Timer functions, injectable for tests. Defaults call `globalThis.setTimeout` at call time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The part of `fetch` the client uses for REST calls (history, presence): the global one fits. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; signal?: AbortSignal | undefined },
) => Promise<{ readonly ok: boolean; readonly status: number; json(): Promise<unknown> }>;

/** Reconnect delay bounds in ms. Every delay lies in `[minMs, maxMs]`. */
export interface BackoffOptions {
  /** Shortest delay before a reconnect attempt; default 500. */
  minMs?: number;
  /** Longest delay before a reconnect attempt; default 20,000. */
  maxMs?: number;
}

/** Options of {@link createClient}. Durations are in ms. */
export interface ClientOptions {
  /** `ws(s)://host/ws/chat/` or `ws(s)://host/ws/chat/{room_id}/`; `session_id` is appended. */
  url: string;
  /**
   * A JWT, sent on every connection (in the `Sec-WebSocket-Protocol` header, never in the URL),
   * beside the session it resumes. It cannot be renewed: once it expires, the server closes the
   * socket (4401) and the client stops. Use `getToken` for sessions that outlive a token.
   */
  token?: string;
  /**
   * Returns a fresh JWT; called before every connection attempt (first connect and every
   * reconnect) and on every `token_expiring` warning (the answer goes out as a `refresh` frame,
   * keeping the socket, its rooms and position). A 4401 close is retried once with a new token
   * before it is final. A rejection counts as a failed attempt (retried with backoff). Takes
   * precedence over `token`.
   */
  getToken?: () => Promise<string>;
  /** A session to resume (from `POST /api/sessions/`). */
  sessionId?: SessionId;
  /** The WebSocket class; default `globalThis.WebSocket` (Node 20 users pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  /** Reconnect backoff bounds (exponential growth, full jitter). */
  backoff?: BackoffOptions;
  /** Interval between application heartbeats; default the welcome's `heartbeat_interval_ms`. */
  heartbeatIntervalMs?: number;
  /** A heartbeat not echoed within this is a dead connection; default the welcome's `limits.pong_timeout_ms`. */
  heartbeatTimeoutMs?: number;
  /** From opening the socket to the `welcome` frame, at most this long; default 10,000. */
  connectTimeoutMs?: number;
  /**
   * How long `connect`, `join`, `leave`, `send` and the REST calls wait for their answer before
   * rejecting with a `TIMEOUT` {@link ParleyError}; default 10,000. `Infinity` waits for ever.
   * A timeout gives up waiting, not the request: the client keeps connecting, a timed-out
   * join stays wanted, and a timed-out send stays in the outbox (the `ack` event reports it).
   */
  timeoutMs?: number;
  /**
   * Where the outbox is kept (see {@link OutboxStorage}); default in this client only. With
   * `localStorageOutbox()`, sends not yet acknowledged when the page closes are sent, once and
   * with their original `client_msg_id`, by the client the next page creates.
   */
  outbox?: OutboxStorage;
  /** Base URL of the REST API; default the `url`'s origin over http(s) (`ws://h/ws/chat/` → `http://h/`). */
  apiUrl?: string;
  /** The `fetch` for REST calls; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Random number in [0, 1), for the backoff jitter; default `Math.random`. */
  random?: () => number;
  /** Timer functions; default the global ones. */
  timers?: Timers;
}

/**
 * The connection state, reported by the `state` event and the `state` property.
 * - `idle`: created, `connect()` not called yet.
 * - `connecting`: a socket is opening, or open and waiting for its `welcome`.
 * - `connected`: the `welcome` arrived; sends go out at once.
 * - `reconnecting`: the last connection closed with a retryable code (`code`, `reason`); the next
 *   attempt starts in `in_ms`. `attempt` counts consecutive attempts without a `welcome`.
 * - `closed`: final until `connect()` is called again: `close()` (1000), or a terminal close code
 *   (e.g. 4401 authentication failed). Pending sends, joins and leaves were rejected.
 */
export type ClientState =
  | { readonly status: 'idle' }
  | { readonly status: 'connecting'; readonly attempt: number }
  | { readonly status: 'connected'; readonly session_id: SessionId; readonly user_id: UserId }
  | {
      readonly status: 'reconnecting';
      readonly in_ms: number;
      readonly attempt: number;
      readonly code: number;
      readonly reason: string;
    }
  | { readonly status: 'closed'; readonly code: number; readonly reason: string };

/** Someone's presence in a room changed (`user_joined` / `user_left`); soft state. */
export interface PresenceChange {
  readonly kind: 'joined' | 'left';
  readonly user_id: UserId;
  readonly room_id: RoomId;
}

/** Diagnostics: frames the client dropped on purpose, and why. Never needed for correctness. */
export type DebugEvent =
  | { readonly kind: 'invalid_frame'; readonly issue: string }
  | { readonly kind: 'ignored_frame'; readonly type: string; readonly action?: string }
  | { readonly kind: 'duplicate'; readonly room_id: RoomId; readonly seq: number }
  | { readonly kind: 'not_member'; readonly room_id: RoomId; readonly seq: number }
  | { readonly kind: 'gap'; readonly room_id: RoomId; readonly expected: number; readonly got: number }
  | { readonly kind: 'refresh_failed'; readonly issue: string }
  | { readonly kind: 'outbox_storage_failed'; readonly issue: string };

/**
 * Events and their payloads.
 * - `message`: a chat message, exactly once per (room, seq) and in `seq` order per room, own
 *   messages included (match them to sends by `client_msg_id`).
 * - `event`: an edit, delete or reaction (`{type, data}`), exactly once per (room, seq) and in
 *   the same `seq` order as messages (room objects keep each message's state from them).
 * - `event_ack`: every `event_ack` (an edit, delete or reaction of this client stored).
 * - `system`: every `system_message` (welcome, room_joined, reconnect, presence...).
 * - `presence`: `user_joined` / `user_left`, also delivered as `system`.
 * - `ack`: every `message_ack`, including those of sends restored from the outbox storage
 *   (whose promises belonged to an earlier client) and of sends whose promise timed out.
 * - `error`: server `error` frames that answer no pending send, join or leave (those reject it),
 *   and those refusing a send restored from the outbox storage (it is dropped).
 * - `state`: every state change.
 * - `debug`: frames dropped on purpose (invalid, unknown type, duplicate, gap, a room left).
 */
export interface ClientEvents {
  message: ChatMessage;
  event: DurableEvent;
  ack: MessageAckData;
  event_ack: EventAckData;
  system: SystemMessageData;
  presence: PresenceChange;
  error: ErrorData;
  state: ClientState;
  debug: DebugEvent;
}

/** The names of {@link ClientEvents}. */
export type ClientEventName = keyof ClientEvents;
