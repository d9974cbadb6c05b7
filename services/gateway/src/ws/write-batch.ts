import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * One socket write per tick instead of one per frame. Each `ws` send is its own `writev` (header
 * and payload, corked together): under load a third of the gateway's CPU went to that syscall.
 * The first frame a socket gets in a tick corks its TCP socket; after the current batch of
 * microtasks (every room event of one NATS read, every reply of one API batch) the socket is
 * uncorked and all of its frames leave in one `writev`. Nothing waits for a later event-loop turn.
 */
export class WriteBatch {
  /** Bumped by every flush: writes made under one value were corked together and are not backlog yet. */
  tick = 0;
  private corked: Duplex[] = [];
  private readonly flush = () => {
    const sockets = this.corked;
    this.corked = [];
    this.tick++;
    for (const socket of sockets) socket.uncork();
  };

  /** Call before writing to `ws`: its frames of this tick leave together. */
  hold(ws: WebSocket): void {
    // `_socket`: the TCP socket `ws` writes to (not public API, stable since ws 1).
    const socket = (ws as unknown as { _socket?: Duplex })._socket;
    if (!socket || socket.writableCorked > 0) return;
    socket.cork();
    if (this.corked.push(socket) === 1) process.nextTick(this.flush);
  }
}

/** The gateway's one batch: every connection's writes share its per-tick flush. */
export const writeBatch = new WriteBatch();
