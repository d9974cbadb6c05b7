import type { WebSocket } from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type RawSocket = Socket & { _httpMessage?: ServerResponse | null; _peername?: object } & Record<symbol, unknown>;

/** net.Socket's slot for its idle timer, found once (Node names the symbol `timeout`). */
let timerSlot: symbol | undefined;

/**
 * Drops what the HTTP upgrade left attached to a socket for its whole life, about 4 KiB each:
 * - the hijacked ServerResponse (`socket._httpMessage`), which holds the IncomingMessage with
 *   every header, the upgrade's head buffer, and fastify's request, reply, their child logger and
 *   its `finish` listener;
 * - @fastify/websocket's `error` listener, a closure over that request and reply (the socket
 *   hands its errors to its Connection instead, see GatewaySocket);
 * - the idle Timeout of the server's connectionTimeout: `ws` stops it with `setTimeout(0)`, but
 *   Node keeps the stopped timer (and its bound callback) on the socket and refreshes it on every
 *   read and write;
 * - the peer address Node cached when `request.ip` was read (the connection keeps its own copy).
 */
export function releaseUpgrade(socket: WebSocket, request: FastifyRequest): void {
  const raw = request.raw.socket as RawSocket;
  if (raw._httpMessage) raw._httpMessage.detachSocket(raw);
  // Node reads it afresh should anyone ask again.
  raw._peername = undefined;
  socket.removeAllListeners('error');
  timerSlot ??= Object.getOwnPropertySymbols(raw).find((s) => s.description === 'timeout');
  // Only a stopped timer (ws has set the timeout to 0): one still running is left alone.
  if (timerSlot !== undefined && raw.timeout === 0) raw[timerSlot] = undefined;
}
