/** @parley/client: the browser and Node SDK for Parley. Explicit re-exports only. */

export { createClient } from './client.js';
export type { JoinOptions, ParleyClient } from './api.js';
export { ParleyError } from './errors.js';
export type { ParleyErrorCode } from './errors.js';
export { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
export type { BackoffBounds } from './backoff.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS } from './options.js';
export { localStorageOutbox, memoryOutbox } from './outbox.js';
export type { LocalStorageOutboxOptions, OutboxRecord, OutboxStorage, StorageLike } from './outbox.js';
export type { HistoryOptions, ParleyRoom, ReadState, RoomEvents, RoomState, TypingChange } from './room.js';
export type { MessageView } from './message-state.js';
export type {
  BackoffOptions,
  ClientEventName,
  ClientEvents,
  ClientOptions,
  ClientState,
  DebugEvent,
  FetchLike,
  PresenceChange,
  Timers,
  WebSocketConstructor,
  WebSocketLike,
} from './types.js';
// The protocol's shapes the SDK's API hands out (@parley/protocol is not published on its own).
export type {
  ChatMessage,
  DurableEvent,
  ErrorData,
  EventAckData,
  Limits,
  MessageAckData,
  MessagesPage,
  MessageState,
  ReactionCount,
  RoomId,
  RoomJoinedData,
  RoomPresenceResponse,
  SessionId,
  SystemMessageData,
  UserId,
  WelcomeData,
} from '@parley/protocol';
