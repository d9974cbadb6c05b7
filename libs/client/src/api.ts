import type { Limits, MessageAckData, RoomId, RoomJoinedData, SessionId, UserId, WelcomeData } from '@parley/protocol';

import type { ParleyRoom } from './room.js';
import type { ClientEventName, ClientEvents, ClientState } from './types.js';

/** Options of {@link ParleyClient.join}. */
export interface JoinOptions {
  /** First join only: deliver the room's history after this `seq` (0 = all of it) before live traffic. */
  sinceSeq?: number;
}

/** A Parley connection that survives reconnects. Create it with {@link createClient}. */
export interface ParleyClient {
  /** The current connection state (also reported by the `state` event). */
  readonly state: ClientState;
  /** The session from the last `welcome` (resumed on every reconnect), if any. */
  readonly sessionId: SessionId | undefined;
  /** The user the server says this client is, from the last `welcome`. */
  readonly userId: UserId | undefined;
  /** The limits in force, from the last `welcome`. */
  readonly limits: Limits | undefined;
  /** The rooms this client is in (or will rejoin on the next connection). */
  rooms(): RoomId[];
  /** The last `seq` delivered as a `message` event in `roomId`. */
  lastSeq(roomId: RoomId): number | undefined;
  /**
   * Connects (no-op while connecting or connected) and resolves with the `welcome`. Retryable
   * failures are retried with backoff meanwhile; rejects with a {@link ParleyError} when the
   * client closes for good (a terminal close code, or `close()`), or with `TIMEOUT` after
   * `timeoutMs` (the client keeps trying). With an outbox storage, the sends an earlier client
   * left there are queued again first. Ignoring the promise is fine:
   * its rejection is never reported as unhandled, and the `state` event tells the same story.
   */
  connect(): Promise<WelcomeData>;
  /** Closes the connection for good (code 1000) and rejects every pending request. `connect()` starts again. */
  close(): void;
  /**
   * Joins `roomId` and resolves with its `room_joined`. The room is rejoined after every
   * reconnect with its last `seq`, so its messages arrive exactly once and in order.
   */
  join(roomId: RoomId, options?: JoinOptions): Promise<RoomJoinedData>;
  /** Leaves `roomId`: resolves on `room_left` (at once when not connected); its later messages are dropped. */
  leave(roomId: RoomId): Promise<void>;
  /**
   * Posts `content` (as given; the server decides how it is stored) to `roomId` (joining it, as the server does) and resolves with its
   * `message_ack`, sent once the message is stored. The send waits in an outbox until then,
   * resent with the same `client_msg_id` after each reconnect (the server stores it once).
   * Rejects with a {@link ParleyError}: the server's `error` for it, the same check done locally,
   * the client closing for good (the outbox storage keeps the message for the next client), or
   * `TIMEOUT` (it stays in the outbox: the `ack` event tells when it is stored).
   */
  send(roomId: RoomId, content: string): Promise<MessageAckData>;
  /**
   * The room `roomId` as an object (see {@link ParleyRoom}): the same object for the same id.
   * Creating it does nothing on the network. Throws a VALIDATION_ERROR {@link ParleyError} for an
   * id that is not a room id.
   */
  room(roomId: RoomId): ParleyRoom;
  /** Subscribes to an event (see {@link ClientEvents}); returns the unsubscribe function. */
  on<K extends ClientEventName>(event: K, fn: (payload: ClientEvents[K]) => void): () => void;
  /** Like `on`, for the next event only; returns the unsubscribe function. */
  once<K extends ClientEventName>(event: K, fn: (payload: ClientEvents[K]) => void): () => void;
  /** Unsubscribes every subscription of `fn` to `event` (made with `on` or `once`). */
  off<K extends ClientEventName>(event: K, fn: (payload: ClientEvents[K]) => void): void;
}
