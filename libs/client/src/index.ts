/** @parley/client: the browser and Node SDK for Parley. Explicit re-exports only. */

export { createClient } from './client.js';
export type { JoinOptions, ParleyClient } from './api.js';
export { ParleyError } from './errors.js';
export type { ParleyErrorCode } from './errors.js';
export { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
export type { BackoffBounds } from './backoff.js';
export { DEFAULT_CONNECT_TIMEOUT_MS } from './options.js';
export type {
  BackoffOptions, ClientEventName, ClientEvents, ClientOptions, ClientState, DebugEvent,
  PresenceChange, Timers, WebSocketConstructor, WebSocketLike,
} from './types.js';
