import type { Logger } from '@parley/observability';
import {
  CLOSE_CODES,
  errorData,
  serverEnvelope,
  type CloseCodeInfo,
  type ErrorCode,
  type ErrorData,
  type ErrorDetails,
  type ServerMessageData,
  type ServerMessageType,
} from '@parley/protocol';
import type { GatewayConfig } from '../config.js';
import type { Counters, GatewayMetrics } from '../health/metrics.js';
import type { FrameRate } from '../limits/frame-rate.js';
import type { TokenBucket } from '../limits/token-bucket.js';
import type { BroadcastFrame } from '../rooms/broadcast-frame.js';
import type { RoomStream, StreamSink } from '../rooms/room-stream.js';
import { WebSocket } from 'ws';
import { writeBatch } from './write-batch.js';

/** The session id on frames sent before a session exists (an auth failure): the nil UUID. */
export const NO_SESSION = '00000000-0000-0000-0000-000000000000';

/** Frames waiting for their turn (the serial queue); beyond this they are refused as a flood. */
const MAX_QUEUED = 64;
const TEXT = { binary: false } as const;
/** Shared by every idle queue (one promise less per socket). */
const SETTLED: Promise<void> = Promise.resolve();

/** The settings a connection enforces on itself. */
export type ConnectionLimits = Pick<
  GatewayConfig,
  | 'WS_PING_INTERVAL_MS'
  | 'WS_PONG_TIMEOUT_MS'
  | 'WS_SEND_BUFFER_BYTES'
  | 'WS_EPHEMERAL_BUFFER_BYTES'
  | 'WS_RATE_LIMIT_WINDOW_MS'
  | 'WS_RATE_LIMIT_STRIKES'
  | 'WS_TOKEN_REFRESH_NOTICE_MS'
  | 'WS_TOKEN_EXPIRY_GRACE_MS'
  | 'WS_CLOSE_TIMEOUT_MS'
  | 'RECONNECT_JITTER_MS'
>;

/** What a connection needs from its gateway: its limits, where it logs and counts, whom it tells when it closes. */
export interface ConnectionHost {
  readonly limits: ConnectionLimits;
  readonly frameRate: Pick<FrameRate, 'forConnection'>;
  readonly logger: Logger;
  readonly metrics: Pick<GatewayMetrics, 'errors' | 'closes' | 'ephemeralDropped'>;
  readonly counters: Pick<Counters, 'liveDeliveries' | 'replayDeliveries'>;
  /** A frame arrived (dispatch.ts). */
  frame(conn: Connection, data: RawData, isBinary: boolean): void;
  /** ws reported an error on the socket (it has closed it). */
  socketError(error: Error): void;
  /** The socket closed; called once, for every connection, identified or not. */
  closed(conn: Connection): void;
}

export type RawData = Buffer | ArrayBuffer | Buffer[];

/**
 * The class `ws` makes every accepted socket with (its `WebSocket` option, set in app.ts): a socket
 * that knows its Connection, so the listeners on it are functions shared by every socket instead
 * of closures over each one (three closures and their context less per connection).
 */
export class GatewaySocket extends WebSocket {
  conn: Connection | undefined = undefined;

  /**
   * The events a Connection needs go straight to it, with no listener on the socket: an emitter's
   * listener table grows by about 100 bytes past three events, and these are four.
   */
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    const conn = this.conn;
    if (conn === undefined) return super.emit(event, a, b);
    switch (event) {
      case 'message':
        conn.host.frame(conn, a as RawData, b as boolean);
        return true;
      case 'pong':
        conn.ponged();
        return true;
      case 'close':
        conn.closed();
        return true;
      case 'error':
        conn.host.socketError(a as Error);
        return true;
      default:
        return super.emit(event, a, b);
    }
  }
}

/** Lifecycle phases, in order: a connection only moves forward. */
const Phase = { Identifying: 0, Open: 1, Closing: 2, Closed: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * One socket's lifecycle: identified → open → closing → closed. Frames are handled one at a
 * time, in arrival order, on a per-connection queue (so a connection's messages are stored in the
 * order it sent them, and membership changes never race); heartbeats skip the queue.
 * Every write goes through {@link send}, which enforces the send-buffer cap.
 * Holds no reference to the upgrade request: at 10,000 sockets every retained byte counts.
 */
export class Connection implements StreamSink {
  sessionId = NO_SESSION;
  userId = '';
  /** Rooms joined (or being joined), created on first join. */
  rooms: Map<string, RoomStream> | undefined;
  private ownBucket: TokenBucket | undefined;
  userBucket: TokenBucket | undefined;
  /** Typing frames' own bucket (limits/typing-limit.ts), made on the first one. */
  typingBucket: TokenBucket | undefined;
  /** Typing frames its bucket refused (a strike per TYPING_REFUSALS_PER_STRIKE of them). */
  typingRefused = 0;
  /** Deliveries not yet reported in statistics, and the time up to which connection time was. */
  received = 0;
  accountedAt: number;
  lastActivityAt: number;
  reportedActivityAt = 0;
  private phase: Phase = Phase.Identifying;
  private tail: Promise<void> = SETTLED;
  private queued = 0;
  private strikes = 0;
  private strikesSince = 0;
  private lastPingAt: number;
  private awaitingPong = false;
  private killTimer: NodeJS.Timeout | undefined;
  /** The `exp` (ms) of the token the connection was authenticated with; 0 when none. */
  private tokenExpiresAt = 0;
  private tokenNoticeSent = false;
  /** Bytes written in this tick's corked batch (they count in `bufferedAmount` until the flush). */
  private tickBytes = 0;
  private tick = -1;

  constructor(
    readonly socket: GatewaySocket,
    readonly host: ConnectionHost,
    readonly id: string,
    readonly ip: string,
  ) {
    const now = Date.now();
    this.accountedAt = now;
    this.lastActivityAt = now;
    // The first ping comes at a random point of the interval: sockets opened in one burst (a
    // reconnect storm after a deploy) would otherwise be pinged, and answer, all in one tick forever.
    this.lastPingAt = now - Math.random() * host.limits.WS_PING_INTERVAL_MS;
    // From here on the socket's message, pong, close and error events come to this connection.
    socket.conn = this;
  }

  /** The connection's own rate bucket, made at its first frame: a full bucket made then is the one made at connect. */
  get bucket(): TokenBucket {
    return (this.ownBucket ??= this.host.frameRate.forConnection());
  }

  /** The peer answered a ping. */
  ponged(): void {
    this.awaitingPong = false;
  }

  isOpen(): boolean {
    return this.phase === Phase.Open;
  }

  isIdentifying(): boolean {
    return this.phase === Phase.Identifying;
  }

  markOpen(sessionId: string, userId: string): void {
    this.sessionId = sessionId;
    this.userId = userId;
    this.phase = Phase.Open;
  }

  /** Runs `task` after every earlier one; a failing task is logged, never kills the queue. */
  enqueue(task: () => Promise<void> | void): boolean {
    if (this.queued >= MAX_QUEUED) return false;
    this.queued++;
    this.tail = this.tail
      .then(task)
      .catch((err: unknown) => this.host.logger.error({ err, conn_id: this.id }, 'frame handler failed'))
      .finally(() => {
        // An idle connection goes back to the shared settled promise instead of keeping its last chain.
        if (--this.queued === 0) this.tail = SETTLED;
      });
    return true;
  }

  /** Writes a frame unless the socket is gone; closes a slow consumer instead of buffering past the cap. */
  send(frame: string | Buffer): boolean {
    const socket = this.socket;
    if (this.phase >= Phase.Closing || socket.readyState !== socket.OPEN) return false;
    if (socket.bufferedAmount + frame.length > this.host.limits.WS_SEND_BUFFER_BYTES) {
      this.closeWith(CLOSE_CODES.TRY_AGAIN_LATER, 'slow consumer: send buffer full');
      return false;
    }
    writeBatch.hold(socket);
    socket.send(frame, TEXT);
    this.wrote(frame.length);
    return true;
  }

  /**
   * The ephemeral lane (typing, read receipts, presence): written only while the send buffer holds
   * less than WS_EPHEMERAL_BUFFER_BYTES, else dropped and counted, never a reason to close. So
   * ephemeral bytes in the buffer never exceed that limit plus one frame, and the slow-consumer
   * close of {@link send} is reached by durable backlog.
   */
  sendEphemeral(frame: string | Buffer, type: string): boolean {
    const socket = this.socket;
    if (this.phase !== Phase.Open || socket.readyState !== socket.OPEN) return false;
    if (this.backlog() > this.host.limits.WS_EPHEMERAL_BUFFER_BYTES) {
      this.host.metrics.ephemeralDropped.inc({ type, reason: 'backpressure' });
      return false;
    }
    writeBatch.hold(socket);
    socket.send(frame, TEXT);
    this.wrote(frame.length);
    return true;
  }

  private wrote(bytes: number): void {
    if (writeBatch.tick !== this.tick) {
      this.tick = writeBatch.tick;
      this.tickBytes = 0;
    }
    this.tickBytes += bytes;
  }

  /** What the peer has not taken yet: the send buffer without this tick's batch, which has not been offered to it. */
  private backlog(): number {
    return this.socket.bufferedAmount - (writeBatch.tick === this.tick ? this.tickBytes : 0);
  }

  sendFrame<T extends ServerMessageType>(type: T, data: ServerMessageData<T>): boolean {
    return this.send(JSON.stringify(serverEnvelope(type, this.sessionId, data)));
  }

  sendError(error: ErrorData): void;
  sendError(code: ErrorCode, message: string, details?: ErrorDetails): void;
  sendError(codeOrError: ErrorCode | ErrorData, message?: string, details?: ErrorDetails): void {
    const error = typeof codeOrError === 'string' ? errorData(codeOrError, message ?? codeOrError, details) : codeOrError;
    this.host.metrics.errors.inc({ code: error.error_code });
    this.sendFrame('error', error);
  }

  /** StreamSink: one chat message to this socket, counted for statistics and health. */
  deliver(frame: BroadcastFrame | string, path: 'live' | 'replay'): void {
    if (!this.send(typeof frame === 'string' ? frame : frame.for(this.sessionId))) return;
    this.received++;
    if (path === 'live') this.host.counters.liveDeliveries++;
    else this.host.counters.replayDeliveries++;
  }

  offerMessage(roomId: string, seq: number, frame: BroadcastFrame): void {
    this.rooms?.get(roomId)?.offer(seq, frame);
  }

  /**
   * Counts a refused frame; true when the connection has been refused too often within the window
   * and was closed (sustained abuse, 4429).
   */
  strike(now: number): boolean {
    if (now - this.strikesSince > this.host.limits.WS_RATE_LIMIT_WINDOW_MS) {
      this.strikes = 0;
      this.strikesSince = now;
    }
    if (++this.strikes < this.host.limits.WS_RATE_LIMIT_STRIKES) return false;
    this.closeWith(CLOSE_CODES.RATE_LIMIT_ABUSE);
    return true;
  }

  /** Inbound traffic proves the peer is alive. */
  touch(now: number): void {
    this.lastActivityAt = now;
    this.awaitingPong = false;
  }

  /** The connection lives until `expiresAt` (ms) unless a `refresh` moves it. */
  expireTokenAt(expiresAt: number): void {
    this.tokenExpiresAt = expiresAt;
    this.tokenNoticeSent = false;
  }

  /** Called by the ping sweep: ping when due, close a peer that did not answer the last ping. */
  checkLiveness(now: number): void {
    if (this.phase >= Phase.Closing) return;
    if (this.tokenExpiresAt !== 0 && this.phase === Phase.Open && this.checkToken(now)) return;
    const { WS_PING_INTERVAL_MS, WS_PONG_TIMEOUT_MS } = this.host.limits;
    if (this.awaitingPong) {
      if (now - this.lastPingAt >= WS_PONG_TIMEOUT_MS) this.closeWith(CLOSE_CODES.HEARTBEAT_TIMEOUT);
      return;
    }
    if (now - this.lastPingAt < WS_PING_INTERVAL_MS) return;
    this.lastPingAt = now;
    this.awaitingPong = true;
    this.socket.ping();
  }

  /**
   * A token's `exp` holds on a live socket: `token_expiring` once, WS_TOKEN_REFRESH_NOTICE_MS
   * before it, then 4401 once the clock-skew grace after it has passed. True when closed.
   */
  private checkToken(now: number): boolean {
    const { WS_TOKEN_REFRESH_NOTICE_MS, WS_TOKEN_EXPIRY_GRACE_MS } = this.host.limits;
    if (now >= this.tokenExpiresAt + WS_TOKEN_EXPIRY_GRACE_MS) {
      this.sendError('AUTHENTICATION_ERROR', 'Token expired', { field: 'token', issue: 'send a refresh frame with a fresh token before expiry' });
      this.closeWith(CLOSE_CODES.AUTHENTICATION_FAILED, 'token expired');
      return true;
    }
    if (!this.tokenNoticeSent && now >= this.tokenExpiresAt - WS_TOKEN_REFRESH_NOTICE_MS) {
      this.tokenNoticeSent = true;
      this.sendFrame('system_message', { action: 'token_expiring', expires_in_ms: Math.max(0, this.tokenExpiresAt - now) });
    }
    return false;
  }

  /**
   * Closes with `info.code`; a peer that does not complete the closing handshake within
   * WS_CLOSE_TIMEOUT_MS (a dead or non-reading peer) has its socket destroyed.
   */
  closeWith(info: CloseCodeInfo, reason: string = info.reason): void {
    if (this.phase >= Phase.Closing) return;
    this.phase = Phase.Closing;
    this.host.metrics.closes.inc({ reason: info.name });
    this.host.logger.debug({ conn_id: this.id, code: info.code, reason }, 'closing connection');
    this.socket.close(info.code, reason);
    this.killTimer = setTimeout(() => this.socket.terminate(), this.host.limits.WS_CLOSE_TIMEOUT_MS);
    this.killTimer.unref();
  }

  /** Shutdown: the reconnect hint with a jittered delay, then 1012. */
  restart(): void {
    if (this.phase >= Phase.Closing) return;
    const retry = Math.floor(Math.random() * (this.host.limits.RECONNECT_JITTER_MS + 1));
    this.sendFrame('system_message', { action: 'reconnect', retry_after_ms: retry, reason: 'server restarting' });
    this.closeWith(CLOSE_CODES.SERVICE_RESTART);
  }

  /** The socket closed (GatewaySocket). */
  closed(): void {
    if (this.phase === Phase.Closed) return;
    this.phase = Phase.Closed;
    clearTimeout(this.killTimer);
    this.host.closed(this);
  }
}
