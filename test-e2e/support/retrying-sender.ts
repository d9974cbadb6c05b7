import { randomUUID } from 'node:crypto';
import type { Frame, TestSocket } from '@parley/testing';

export interface Ack {
  seq: number;
  message_id: string;
}

/**
 * A raw-protocol sender that retries the way the protocol allows: the same `client_msg_id` again
 * after a retryable `error`, after a rate limit's `retry_after_ms`, or when no answer came within
 * `resendAfterMs`, until a `message_ack`.
 * Every ack it gets for one id must name the same stored message (a retry of a stored message is
 * answered with that message, `duplicate: true`); `conflicts` counts any that did not.
 */
export class RetryingSender {
  /** client_msg_id → the first ack. */
  readonly acked = new Map<string, Ack>();
  readonly pending = new Map<string, { content: string; sentAt: number }>();
  /** Errors that were not retryable (each a send given up on): the test expects none. */
  readonly refused: Frame[] = [];
  retries = 0;
  conflicts = 0;
  private timer: NodeJS.Timeout;

  constructor(
    readonly socket: TestSocket,
    readonly roomId: string,
    private readonly resendAfterMs: number,
  ) {
    socket.ws.on('message', (raw: Buffer) => this.onFrame(JSON.parse(raw.toString()) as Frame));
    this.timer = setInterval(() => {
      for (const [id, p] of this.pending) if (Date.now() - p.sentAt > this.resendAfterMs) this.resend(id);
    }, 100);
  }

  send(content: string): void {
    const id = randomUUID();
    this.pending.set(id, { content, sentAt: Date.now() });
    this.socket.sendText(content, this.roomId, { client_msg_id: id });
  }

  /** Resolves once every message sent has its ack (retrying meanwhile); rejects after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`${this.pending.size} sends still unacknowledged after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private resend(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.retries += 1;
    p.sentAt = Date.now();
    this.socket.sendText(p.content, this.roomId, { client_msg_id: id });
  }

  private onFrame(frame: Frame): void {
    const id = (frame.type === 'message_ack' ? frame.data['client_msg_id'] : frame.data.details?.['client_msg_id']) as string | undefined;
    if (id === undefined) return;
    if (frame.type === 'message_ack') {
      const ack = { seq: frame.data['seq'] as number, message_id: frame.data['message_id'] as string };
      const first = this.acked.get(id);
      if (first && (first.seq !== ack.seq || first.message_id !== ack.message_id)) this.conflicts += 1;
      if (!first) this.acked.set(id, ack);
      this.pending.delete(id);
    } else if (
      frame.type === 'error' &&
      this.pending.has(id) &&
      (frame.data.details?.['retryable'] === true || frame.data.error_code === 'RATE_LIMIT_EXCEEDED')
    ) {
      // Not at once: the bus is failing over (retryable), or too many sends wait on it (the rate
      // limit's retry_after_ms, as the SDK does).
      const waitMs = (frame.data.details?.['retry_after_ms'] as number | undefined) ?? 200;
      this.pending.get(id)!.sentAt = Date.now() - this.resendAfterMs + waitMs;
    } else if (frame.type === 'error' && this.pending.delete(id)) {
      this.refused.push(frame);
    }
  }
}
