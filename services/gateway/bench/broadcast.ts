import WebSocket from 'ws';
import { cpuSeconds, percentile, sleep } from './procs.js';

export interface BroadcastOptions {
  /** ws base URL, e.g. `ws://127.0.0.1:3000`. */
  readonly base: string;
  readonly rooms: readonly string[];
  readonly members: number;
  /** Members per room that also send (messages are spread over them round-robin). */
  readonly sendersPerRoom: number;
  /** true for the gateway: wait for room_joined, count message_ack / error frames. */
  readonly gateway: boolean;
  /** Processes whose CPU use is reported per step (name → its pids now, summed). */
  readonly watch: Readonly<Record<string, () => readonly number[]>>;
}

export interface StepResult {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  /** Messages the server accepted (acks for the gateway; every send for the bare server). */
  readonly accepted: number;
  readonly errors: number;
  readonly expected: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly gaps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Where the time goes: send→ack at the sender, send→first delivery, first→last delivery of one message. */
  readonly stages: Readonly<Record<'ack' | 'first' | 'spread', { p50: number; p99: number }>>;
  /** CPU used during the step, in % of one core, per watched process (and `bench`, this process). */
  readonly cpu: Readonly<Record<string, number>>;
  /** With typing on: `typing` frames sent (every member, at the step's typing rate) and `user_typing` frames received. */
  readonly typing?: { readonly sent: number; readonly delivered: number };
}

interface Member {
  readonly ws: WebSocket;
  readonly room: string;
  lastSeq: number;
}

/**
 * Rooms × members sockets on one server; each step sends `rate` messages/s for `seconds` from the
 * senders and measures, on every member, send→deliver latency (the sender's performance.now()
 * travels in the content, and sender and receivers share this process's clock), deliveries, and
 * per-member seq order (duplicates, holes).
 */
export class BroadcastLoad {
  private readonly members: Member[] = [];
  private step = 0;
  private samples: number[] = [];
  /** Per message of this step (keyed by its send time): first and last delivery. */
  private spans = new Map<number, { first: number; last: number }>();
  private sentAt = new Map<string, number>();
  private acks: number[] = [];
  private delivered = 0;
  private duplicates = 0;
  private gaps = 0;
  private accepted = 0;
  private errors = 0;
  private typingDelivered = 0;

  private watched: BroadcastOptions['watch'];

  private constructor(private readonly options: BroadcastOptions) {
    this.watched = options.watch;
  }

  /** Which processes the next steps report CPU for (a process added between steps). */
  watch(watched: BroadcastOptions['watch']): void {
    this.watched = watched;
  }

  static async connect(options: BroadcastOptions): Promise<BroadcastLoad> {
    const load = new BroadcastLoad(options);
    for (const room of options.rooms) {
      await Promise.all(Array.from({ length: options.members }, () => load.join(room)));
    }
    return load;
  }

  private async join(room: string): Promise<void> {
    const ws = new WebSocket(`${this.options.base}/ws/chat/${room}/`);
    const member: Member = { ws, room, lastSeq: -1 };
    const ready = new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (raw: Buffer) => {
        const frame = JSON.parse(raw.toString()) as { type: string; data: Record<string, unknown> };
        if (frame.type === 'text_message') return this.onText(member, frame.data);
        if (frame.type === 'user_typing') this.typingDelivered++;
        else if (frame.type === 'message_ack') this.onAck(frame.data);
        else if (frame.type === 'error') this.errors++;
        else if (frame.data['action'] === (this.options.gateway ? 'room_joined' : 'welcome')) {
          member.lastSeq = typeof frame.data['last_seq'] === 'number' ? frame.data['last_seq'] : 0;
          resolve();
        }
      });
    });
    await ready;
    this.members.push(member);
  }

  private onText(member: Member, data: Record<string, unknown>): void {
    const seq = data['seq'] as number;
    if (seq <= member.lastSeq) this.duplicates++;
    else if (member.lastSeq >= 0 && seq !== member.lastSeq + 1) this.gaps++;
    member.lastSeq = Math.max(member.lastSeq, seq);
    const { s, t } = JSON.parse(data['content'] as string) as { s: number; t: number };
    if (s !== this.step) return;
    this.delivered++;
    const now = performance.now();
    this.samples.push(now - t);
    const span = this.spans.get(t);
    if (span) span.last = now;
    else this.spans.set(t, { first: now, last: now });
  }

  private onAck(data: Record<string, unknown>): void {
    this.accepted++;
    const at = this.sentAt.get(data['client_msg_id'] as string);
    if (at !== undefined) this.acks.push(performance.now() - at);
  }

  /**
   * Sends `rate` messages/s for `seconds`, waits for stragglers, and reports. With `typingPerSec`,
   * every member also sends `typing` frames at that rate for the whole step.
   */
  async run(rate: number, seconds: number, typingPerSec = 0): Promise<StepResult> {
    this.step++;
    this.typingDelivered = 0;
    let typed = 0;
    this.samples = [];
    this.acks = [];
    this.spans.clear();
    this.sentAt.clear();
    this.delivered = this.duplicates = this.gaps = this.accepted = this.errors = 0;
    const senders = this.options.rooms.flatMap((room) => this.members.filter((m) => m.room === room).slice(0, this.options.sendersPerRoom));
    // Interleave rooms so consecutive messages go to different rooms.
    senders.sort((a, b) => (this.members.indexOf(a) % this.options.members) - (this.members.indexOf(b) % this.options.members));
    const total = Math.round(rate * seconds);
    const cpuBefore = this.cpu();
    const started = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1_000) * rate) + 1);
      for (; sent < due; sent++) {
        const sender = senders[sent % senders.length]!;
        const t = performance.now();
        const client_msg_id = `b${this.step}-${sent}`;
        this.sentAt.set(client_msg_id, t);
        sender.ws.send(JSON.stringify({ type: 'text_message', data: { content: JSON.stringify({ s: this.step, t }), room_id: sender.room, client_msg_id } }));
      }
      const typingDue = Math.floor(((performance.now() - started) / 1_000) * typingPerSec * this.members.length);
      for (; typed < typingDue; typed++) {
        const member = this.members[typed % this.members.length]!;
        member.ws.send(JSON.stringify({ type: 'typing', data: { room_id: member.room } }));
      }
      await sleep(2);
    }
    const expectedPerMessage = this.options.members;
    const settleUntil = performance.now() + 5_000;
    while (performance.now() < settleUntil) {
      const accepted = this.options.gateway ? this.accepted : sent;
      if (this.delivered >= accepted * expectedPerMessage && (!this.options.gateway || this.accepted + this.errors >= sent)) break;
      await sleep(20);
    }
    const elapsed = (performance.now() - started) / 1_000;
    const cpuAfter = this.cpu();
    const cpu = Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, (100 * ((cpuAfter[k] ?? 0) - (cpuBefore[k] ?? 0))) / elapsed]));
    const accepted = this.options.gateway ? this.accepted : sent;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const spans = [...this.spans];
    const stages = {
      ack: summary(this.acks),
      first: summary(spans.map(([t, span]) => span.first - t)),
      spread: summary(spans.map(([, span]) => span.last - span.first)),
    };
    return {
      rate,
      seconds,
      sent,
      accepted,
      errors: this.errors,
      expected: accepted * expectedPerMessage,
      delivered: this.delivered,
      duplicates: this.duplicates,
      gaps: this.gaps,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
      stages,
      cpu,
      ...(typingPerSec > 0 ? { typing: { sent: typed, delivered: this.typingDelivered } } : {}),
    };
  }

  private cpu(): Record<string, number> {
    const usage = process.cpuUsage();
    const own = { bench: (usage.user + usage.system) / 1e6 };
    const watched = Object.entries(this.watched).map(([name, pids]) => [name, pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0)]);
    return { ...own, ...Object.fromEntries(watched) };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.members.map(
        (m) =>
          new Promise<void>((resolve) => {
            if (m.ws.readyState === WebSocket.CLOSED) return resolve();
            m.ws.once('close', () => resolve());
            m.ws.close();
          }),
      ),
    );
  }
}

function summary(values: number[]): { p50: number; p99: number } {
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}
