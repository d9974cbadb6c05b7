import WebSocket from 'ws';

/** A server frame as received (validated loosely: tests assert on the fields they care about). */
export interface Frame {
  type: string;
  timestamp: number;
  session_id: string;
  data: Record<string, unknown> & { action?: string; error_code?: string; details?: Record<string, unknown> };
  metadata: { version: string; source: string };
}

export interface ClientOptions {
  headers?: Record<string, string>;
  /** Offered in Sec-WebSocket-Protocol (e.g. `subprotocolsFor(token)`). */
  protocols?: string[];
  /** false: never answer server pings (a silent peer). */
  autoPong?: boolean;
}

type Predicate = (frame: Frame) => boolean;

export const isType =
  (type: string, action?: string): Predicate =>
  (f) =>
    f.type === type && (action === undefined || f.data.action === action);
export const isError =
  (code: string): Predicate =>
  (f) =>
    f.type === 'error' && f.data.error_code === code;

/**
 * A raw-protocol WebSocket client for tests (Node 20 has no global WebSocket): records every
 * frame, waits for frames by predicate, and exposes the close code and reason. Tests that want
 * the full client behaviour (reconnect, outbox, gap fill) use `@parley/client` instead.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  /** Every frame exactly as it arrived on the wire (for scanning bytes a parse would hide). */
  readonly raw: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { predicate: Predicate; from: number; resolve: (f: Frame) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    // Not events.once: it rejects when 'error' comes first, as it does for a refused upgrade.
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      this.raw.push(data.toString());
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  /** Opens a socket; rejects with `Unexpected server response: <status>` when the upgrade is refused. */
  static async open(url: string, options: ClientOptions = {}): Promise<TestSocket> {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, autoPong: options.autoPong ?? true });
    const client = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`Unexpected server response: ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
    return client;
  }

  /** Opens a socket and waits for the welcome. */
  static async connect(url: string, options: ClientOptions = {}): Promise<TestSocket> {
    const client = await TestSocket.open(url, options);
    await client.next(isType('system_message', 'welcome'));
    return client;
  }

  get welcome(): Frame['data'] {
    const frame = this.frames.find(isType('system_message', 'welcome'));
    if (!frame) throw new Error('no welcome yet');
    return frame.data;
  }

  get sessionId(): string {
    return this.welcome['session_id'] as string;
  }

  /** The first frame matching `predicate` received at or after index `from` (waits for it). */
  next(predicate: Predicate, { from = 0, timeoutMs = 10_000 }: { from?: number; timeoutMs?: number } = {}): Promise<Frame> {
    const found = this.frames.slice(from).find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({ predicate, from, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  /** Waits until `count` frames match `predicate`. */
  async collect(predicate: Predicate, count: number, timeoutMs = 10_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.filter(predicate).length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.frames.filter(predicate).length} of ${count} frames`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.frames.filter(predicate);
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendText(content: string, roomId: string, extra: Record<string, unknown> = {}): void {
    this.send({ type: 'text_message', data: { content, room_id: roomId, ...extra } });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }
}

/** Messages of `roomId` (server `text_message` frames) in arrival order. */
export const texts = (client: TestSocket, roomId: string) => client.frames.filter((f) => f.type === 'text_message' && f.data['room_id'] === roomId);
