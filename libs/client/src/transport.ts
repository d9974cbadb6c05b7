import type { WebSocketConstructor, WebSocketLike } from './types.js';

/** What a {@link Transport} reports about its current socket. */
export interface TransportHandlers {
  /** A frame arrived (`data` of the message event, a string for text frames). */
  onFrame(data: unknown): void;
  /** The socket closed (or was abandoned) with `code`. Reported once per socket. */
  onClose(code: number, reason: string): void;
}

const OPEN = 1;
const noop = (): void => undefined;

/** The close code reported when a socket could not even be created. */
const ABNORMAL_CLOSURE = 1006;

/**
 * Owns at most one socket at a time. Events of a socket it has let go of are never reported, so
 * a late `close` of an old connection cannot disturb the current one.
 */
export class Transport {
  #socket: WebSocketLike | undefined;

  constructor(
    private readonly WebSocket: WebSocketConstructor,
    private readonly handlers: TransportHandlers,
  ) {}

  /** Opens a socket to `url` offering `protocols` (if any), letting go of any previous one. */
  open(url: string, protocols?: string[]): void {
    this.close(1000, 'reconnecting');
    let socket: WebSocketLike;
    try {
      socket = protocols === undefined ? new this.WebSocket(url) : new this.WebSocket(url, protocols);
    } catch (err) {
      const reason = err instanceof Error ? err.message : 'WebSocket constructor failed';
      queueMicrotask(() => this.handlers.onClose(ABNORMAL_CLOSURE, reason));
      return;
    }
    this.#socket = socket;
    socket.onmessage = (event) => {
      if (this.#socket === socket) this.handlers.onFrame(event.data);
    };
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#detach();
      this.handlers.onClose(event.code, event.reason);
    };
    // A `close` always follows an `error`; the close code is what the client decides on.
    socket.onerror = noop;
  }

  /** Sends `text` if the socket is open; false otherwise (a close is then on its way). */
  send(text: string): boolean {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== OPEN) return false;
    try {
      socket.send(text);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Gives up on the current socket (no welcome, no heartbeat echo): asks it to close with `code`
   * and reports that close at once, since a dead peer may never complete the close handshake.
   * False when there is no socket (nothing reported).
   */
  abandon(code: number, reason: string): boolean {
    if (this.#socket === undefined) return false;
    this.close(code, reason);
    this.handlers.onClose(code, reason);
    return true;
  }

  /** Closes the current socket without reporting it. */
  close(code: number, reason: string): void {
    const socket = this.#detach();
    if (socket === undefined) return;
    try {
      socket.close(code, reason);
    } catch {
      // Already closing, or a code the implementation refuses: the socket is let go either way.
    }
  }

  #detach(): WebSocketLike | undefined {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) {
      socket.onmessage = null;
      socket.onclose = null;
      // Keep an error listener: `ws` throws on an `error` event nobody listens to.
      socket.onerror = noop;
    }
    return socket;
  }
}
