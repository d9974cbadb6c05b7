import type { SessionId } from '@parley/protocol';

import { backoffBounds, type BackoffBounds } from './backoff.js';
import type { OutboxStorage } from './outbox.js';
import type { ClientOptions, FetchLike, Timers, WebSocketConstructor } from './types.js';

/** {@link ClientOptions} validated, with defaults filled in. */
export interface ResolvedOptions {
  readonly url: URL;
  readonly token: string | undefined;
  readonly getToken: (() => Promise<string>) | undefined;
  readonly sessionId: SessionId | undefined;
  readonly WebSocket: WebSocketConstructor;
  readonly backoff: BackoffBounds;
  readonly heartbeatIntervalMs: number | undefined;
  readonly heartbeatTimeoutMs: number | undefined;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly outbox: OutboxStorage | undefined;
  readonly apiUrl: URL;
  readonly fetch: FetchLike;
  readonly random: () => number;
  readonly timers: Timers;
}

/** Default time from opening a socket to its `welcome` (the gateway's handshake timeout). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Default time a request (connect, join, leave, send, REST) waits for its answer. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The global timers, looked up at call time (so fake timers installed later still apply). */
const GLOBAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

function positive(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number of ms, got ${value}`);
  }
  return value;
}

/** Validates `options`; throws a TypeError or RangeError naming the first bad option. */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError(`url is not a valid URL: ${options.url}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`url must use ws: or wss:, got ${url.protocol}`);
  }
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (WebSocket === undefined) {
    throw new TypeError("no global WebSocket: pass options.WebSocket (in Node 20, the `ws` package's WebSocket)");
  }
  let apiUrl: URL;
  try {
    apiUrl = new URL(options.apiUrl ?? `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}/`);
  } catch {
    throw new TypeError(`apiUrl is not a valid URL: ${options.apiUrl}`);
  }
  if (options.timeoutMs !== Infinity) positive('timeoutMs', options.timeoutMs);
  return {
    url,
    token: options.token,
    getToken: options.getToken,
    sessionId: options.sessionId,
    WebSocket,
    backoff: backoffBounds(options.backoff),
    heartbeatIntervalMs: positive('heartbeatIntervalMs', options.heartbeatIntervalMs),
    heartbeatTimeoutMs: positive('heartbeatTimeoutMs', options.heartbeatTimeoutMs),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs) ?? DEFAULT_CONNECT_TIMEOUT_MS,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    outbox: options.outbox,
    apiUrl,
    // Looked up at call time, like the timers: a fetch installed later (a test's stub) applies.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    random: options.random ?? Math.random,
    timers: options.timers ?? GLOBAL_TIMERS,
  };
}

/**
 * The URL of one connection attempt: the configured one with the session to resume (the one the
 * last `welcome` named, else the configured `sessionId`). The token never goes in the URL (URLs
 * reach access logs and browser history); see {@link subprotocolsFor}.
 */
export function connectionUrl(options: ResolvedOptions, resumeSessionId: SessionId | undefined): string {
  const url = new URL(options.url);
  const sessionId = resumeSessionId ?? options.sessionId;
  if (sessionId !== undefined) url.searchParams.set('session_id', sessionId);
  return url.toString();
}
