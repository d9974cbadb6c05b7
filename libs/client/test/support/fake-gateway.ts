import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import {
  DEFAULT_LIMITS,
  errorData,
  parseClientFrame,
  serverEnvelope,
  tokenFromSubprotocols,
  type ChatMessage,
  type ClientMessage,
  type ClientTextMessageData,
  type ErrorData,
  type RoomId,
  type ServerMessageData,
  type ServerMessageType,
} from '@parley/protocol';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * An in-process server speaking the Parley protocol, for the SDK's unit tests: a welcome on
 * connect, heartbeat echoes, join/leave with `room_joined`/`room_left` and history replay after
 * `since_seq`, and an in-memory room log with gap-free `seq`, de-duplication on
 * (sender, room, client_msg_id), acks after "storing" and broadcasts to members. Hooks let a test
 * refuse connections, drop broadcasts or acks, or answer a send with an error.
 */

/** What the gateway does with a new connection. */
export type ConnectReaction = 'welcome' | 'silent' | 'auth_error' | { close: number };
/** What the gateway does with a `text_message`. */
export type TextReaction = 'store' | 'store_no_ack' | 'ignore' | ErrorData;

export class FakeConnection {
  readonly frames: ClientMessage[] = [];
  readonly rooms = new Set<RoomId>();
  readonly query: URLSearchParams;
  /** The token offered in `Sec-WebSocket-Protocol` (`parley.token.<jwt>`), if any. */
  readonly token: string | undefined;
  /** The subprotocol the server selected ('' when none was offered). */
  readonly protocol: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly socket: WebSocket,
    url: URL,
    offered: readonly string[],
  ) {
    this.query = url.searchParams;
    this.token = tokenFromSubprotocols(offered);
    this.protocol = socket.protocol;
    this.sessionId = this.query.get('session_id') ?? randomUUID();
    // The fake's tokens are user ids, so a test can tell whose token a connection carried.
    this.userId = this.token ?? `guest-${this.sessionId.slice(0, 8)}`;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Frames of one type received so far. */
  framesOf<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.frames.filter((f): f is Extract<ClientMessage, { type: T }> => f.type === type);
  }

  send<T extends ServerMessageType>(type: T, data: ServerMessageData<T>, sessionId = this.sessionId): void {
    if (this.open) this.socket.send(JSON.stringify(serverEnvelope(type, sessionId, data)));
  }

  /** Sends raw text (for invalid or unknown frames). */
  sendRaw(text: string): void {
    if (this.open) this.socket.send(text);
  }

  close(code: number, reason = ''): void {
    this.socket.close(code, reason);
  }

  /** Drops the TCP connection without a close frame (the client sees 1006). */
  terminate(): void {
    this.socket.terminate();
  }
}

export class FakeGateway {
  readonly connections: FakeConnection[] = [];
  /** Messages per room, in `seq` order (index = seq - 1). */
  readonly log = new Map<RoomId, ChatMessage[]>();
  /** The read position of the (one) reader, by room. */
  readonly readSeq = new Map<RoomId, number>();
  readonly missingRooms = new Set<RoomId>(['nowhere']);
  heartbeatIntervalMs = 25_000;
  echoHeartbeats = true;
  onConnect: (conn: FakeConnection) => ConnectReaction = () => 'welcome';
  onText: (conn: FakeConnection, data: ClientTextMessageData) => TextReaction = () => 'store';
  /** What the gateway does with a `refresh`: accept (token_refreshed with this many ms) or refuse. */
  onRefresh: (conn: FakeConnection, token: string) => number | 'refuse' = () => 60_000;
  /** True to withhold a broadcast from one connection (to make a gap). */
  dropBroadcast: (conn: FakeConnection, message: ChatMessage) => boolean = () => false;

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (socket, request) => {
      const offered = (request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      this.#accept(socket, new URL(request.url ?? '/', url), offered);
    });
  }

  static async start(): Promise<FakeGateway> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const { port } = wss.address() as AddressInfo;
    return new FakeGateway(wss, `ws://127.0.0.1:${port}/ws/chat/`);
  }

  /** The most recent connection. */
  get latest(): FakeConnection {
    const conn = this.connections.at(-1);
    if (conn === undefined) throw new Error('no connection yet');
    return conn;
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** Another user posts to `roomId`: stored and broadcast to the room's members. */
  post(roomId: RoomId, content: string, userId = 'bob'): ChatMessage {
    return this.#store(roomId, content, userId, null);
  }

  #accept(socket: WebSocket, url: URL, offered: readonly string[]): void {
    const conn = new FakeConnection(socket, url, offered);
    this.connections.push(conn);
    socket.on('message', (raw) => this.#onFrame(conn, raw.toString()));
    const reaction = this.onConnect(conn);
    if (reaction === 'silent') return;
    if (reaction === 'auth_error') {
      conn.send('error', errorData('AUTHENTICATION_ERROR', 'Invalid or expired authentication token'));
      conn.close(4401, 'authentication failed');
    } else if (reaction === 'welcome') {
      conn.send('system_message', {
        action: 'welcome',
        session_id: conn.sessionId,
        user_id: conn.userId,
        heartbeat_interval_ms: this.heartbeatIntervalMs,
        limits: { ...DEFAULT_LIMITS },
        rooms: [],
      });
    } else {
      conn.close(reaction.close, 'test close');
    }
  }

  #onFrame(conn: FakeConnection, raw: string): void {
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) return conn.send('error', parsed.error);
    const frame = parsed.message;
    conn.frames.push(frame);
    switch (frame.type) {
      case 'heartbeat':
        if (this.echoHeartbeats) conn.send('heartbeat', frame.data === undefined ? {} : { sequence: frame.data.sequence });
        return;
      case 'join_room': {
        const { room_id, since_seq } = frame.data;
        if (this.missingRooms.has(room_id)) {
          return conn.send('error', errorData('ROOM_NOT_FOUND', 'Room not found', { field: 'room_id', room_id }));
        }
        conn.rooms.add(room_id);
        const messages = this.log.get(room_id) ?? [];
        const read_seq = this.readSeq.get(room_id) ?? 0;
        const unread = messages.slice(read_seq).filter((m) => m.user_id !== conn.userId).length;
        conn.send('system_message', { action: 'room_joined', room_id, last_seq: messages.length, read_seq, unread });
        if (since_seq !== undefined) for (const m of messages.slice(since_seq)) conn.send('text_message', m);
        return;
      }
      case 'leave_room':
        conn.rooms.delete(frame.data.room_id);
        return conn.send('system_message', { action: 'room_left', room_id: frame.data.room_id });
      case 'text_message':
        return this.#onText(conn, frame.data);
      case 'mark_read': {
        // One reader per test: positions by room, only forwards, never past the room's head.
        const { room_id, seq } = frame.data;
        const log = this.log.get(room_id) ?? [];
        const read_seq = Math.max(this.readSeq.get(room_id) ?? 0, Math.min(seq, log.length));
        this.readSeq.set(room_id, read_seq);
        return conn.send('read_ack', { room_id, read_seq, unread: log.slice(read_seq).filter((m) => m.user_id !== conn.userId).length });
      }
      case 'typing':
        return;
      case 'refresh': {
        const outcome = this.onRefresh(conn, frame.data.token);
        if (outcome === 'refuse') return conn.send('error', errorData('AUTHENTICATION_ERROR', 'Invalid token'));
        return conn.send('system_message', { action: 'token_refreshed', expires_in_ms: outcome });
      }
    }
  }

  #onText(conn: FakeConnection, data: ClientTextMessageData): void {
    const reaction = this.onText(conn, data);
    if (reaction === 'ignore') return;
    if (typeof reaction === 'object') return conn.send('error', reaction);
    conn.rooms.add(data.room_id);
    const msgId = data.client_msg_id ?? null;
    const existing = (this.log.get(data.room_id) ?? []).find((m) => msgId !== null && m.client_msg_id === msgId && m.user_id === conn.userId);
    const stored = existing ?? this.#store(data.room_id, data.content, conn.userId, msgId);
    if (reaction === 'store_no_ack') return;
    conn.send('message_ack', {
      client_msg_id: msgId,
      message_id: stored.message_id,
      seq: stored.seq,
      room_id: stored.room_id,
      duplicate: existing !== undefined,
    });
  }

  #store(roomId: RoomId, content: string, userId: string, clientMsgId: string | null): ChatMessage {
    const messages = this.log.get(roomId) ?? [];
    this.log.set(roomId, messages);
    const now = Date.now();
    const message: ChatMessage = {
      message_id: randomUUID(),
      room_id: roomId,
      seq: messages.length + 1,
      user_id: userId,
      content,
      client_msg_id: clientMsgId,
      created_at: new Date(now).toISOString(),
      timestamp: now,
    };
    messages.push(message);
    for (const conn of this.connections) {
      if (conn.open && conn.rooms.has(roomId) && !this.dropBroadcast(conn, message)) {
        conn.send('text_message', message);
      }
    }
    return message;
  }
}
