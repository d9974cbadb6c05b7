import type { Logger } from '@parley/observability';
import { serverEnvelope, type LogEntry } from '@parley/protocol';
import type { BroadcastFrame } from './broadcast-frame.js';
import type { HistorySource } from './history.js';

/** The connection side of a stream: where frames go. */
export interface StreamSink {
  readonly sessionId: string;
  isOpen(): boolean;
  /** Writes one frame of the room's log (a live broadcast, or a replay addressed to this sink) and counts it. */
  deliver(frame: BroadcastFrame | string, path: 'live' | 'replay'): void;
}

export interface CatchUpOptions {
  readonly history: HistorySource;
  readonly logger: Logger;
  /** Most messages replayed by one catch-up (the newest; older ones stay available over REST). */
  readonly maxReplay: number;
  /**
   * How long a hole in live traffic may stay open before history is read: with several API
   * instances, two commits can be published out of order, and the missing one is usually already
   * on its way.
   */
  readonly holeGraceMs: number;
}

/** Live frames held while joining or catching up; beyond this they are dropped and re-read from history. */
const MAX_HELD = 1_000;
const PAGE = 100;
const RETRY_DELAYS_MS = [200, 500, 1_000];

interface Held {
  readonly seq: number;
  readonly frame: BroadcastFrame;
}

/**
 * One connection's view of one room: the last `seq` delivered, and the machinery that keeps the
 * room's log (messages and durable events alike: edits, deletes, reactions) in order with no
 * holes and no duplicates. Live frames that arrive while the join
 * is in progress or a catch-up is running are held, then released in `seq` order once history has
 * filled everything before them. A live frame whose `seq` skips ahead (a message lost on the
 * at-most-once bus hop) starts a catch-up from history.
 */
export class RoomStream {
  /** Last seq delivered; -1 while the join is in progress (everything is held). */
  private lastSeq = -1;
  private held: Held[] | undefined;
  /** Highest seq a catch-up must reach (history fills up to here). */
  private target = 0;
  private catchingUp = false;
  /** Bumped by `start`: a catch-up loop of an older generation stops. */
  private generation = 0;

  constructor(
    readonly roomId: string,
    private readonly sink: StreamSink,
    private readonly options: CatchUpOptions,
  ) {}

  /** The join went through (access granted, delivery started): the room's other events may follow. */
  get admitted(): boolean {
    return this.generation > 0;
  }

  /** A live message or durable event of this room, `frame` being its encoded broadcast (shared by every member). */
  offer(seq: number, frame: BroadcastFrame): void {
    if (this.lastSeq < 0 || this.catchingUp) return this.hold(seq, frame);
    if (seq <= this.lastSeq) return;
    if (seq === this.lastSeq + 1) {
      this.lastSeq = seq;
      this.sink.deliver(frame, 'live');
      return;
    }
    this.hold(seq, frame);
    this.catchUp(seq - 1, this.options.holeGraceMs);
  }

  /**
   * The room's log reaches `seq` (the api's periodic room head): anything above what was delivered
   * was lost on the bus hop — at the tail of a quiet room nothing else would reveal it — and is
   * read from history. Published after the entries it covers, on their subject, so no grace: an
   * entry still on its way would have arrived first. True when this stream was behind it.
   */
  head(seq: number): boolean {
    if (this.generation < 0 || seq <= Math.max(this.lastSeq, this.target)) return false;
    if (this.lastSeq < 0 || this.catchingUp) {
      // Joining or already catching up: the running fill (or `start`) reads up to the target.
      this.target = seq;
      return true;
    }
    this.catchUp(seq);
    return true;
  }

  /**
   * Starts (or restarts, for a `join_room` with `since_seq` on a joined room) delivery: the room's
   * last seq is `roomLastSeq`; with `sinceSeq` below it, the messages after `sinceSeq` are replayed
   * from history first.
   */
  start(roomLastSeq: number, sinceSeq?: number): void {
    this.generation = Math.abs(this.generation) + 1;
    this.catchingUp = false;
    if (sinceSeq !== undefined && sinceSeq < roomLastSeq) {
      this.lastSeq = sinceSeq;
      this.catchUp(roomLastSeq);
      return;
    }
    if (this.lastSeq < 0) this.lastSeq = roomLastSeq;
    if (this.target > this.lastSeq) return this.catchUp(this.target);
    const hole = this.release();
    if (hole !== undefined) this.catchUp(hole - 1);
  }

  /** The connection left the room: any catch-up in flight stops, held frames are dropped. */
  stop(): void {
    this.generation = -1;
    this.held = undefined;
  }

  private hold(seq: number, frame: BroadcastFrame): void {
    this.held ??= [];
    if (this.held.length >= MAX_HELD) {
      // Everything held is stored: forget it and read it back from history instead.
      for (const h of this.held) this.target = Math.max(this.target, h.seq);
      this.target = Math.max(this.target, seq);
      this.held = undefined;
      return;
    }
    this.held.push({ seq, frame });
  }

  private catchUp(target: number, graceMs = 0): void {
    this.target = Math.max(this.target, target);
    if (this.catchingUp) return;
    this.catchingUp = true;
    const generation = this.generation;
    void this.run(generation, graceMs)
      .catch((err: unknown) => this.options.logger.error({ err, room_id: this.roomId }, 'catch-up loop failed'))
      .finally(() => {
        if (generation === this.generation) this.catchingUp = false;
      });
  }

  private async run(generation: number, graceMs: number): Promise<void> {
    const current = () => generation === this.generation && this.sink.isOpen();
    if (graceMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, graceMs));
      if (!current()) return;
      const hole = this.release();
      // Filled in the meantime — unless a head (or overflowing held frames) raised the target.
      if (hole !== undefined) this.target = Math.max(this.target, hole - 1);
      else if (this.target <= this.lastSeq) return;
    }
    for (;;) {
      try {
        await this.fill(current);
      } catch (err) {
        // History is unreachable: deliver what is held and leave the hole (each frame carries its seq).
        this.options.logger.warn({ err, room_id: this.roomId, from_seq: this.lastSeq }, 'catch-up failed; delivering live traffic with a hole');
        if (!current()) return;
        this.lastSeq = Math.max(this.lastSeq, this.target);
        const first = this.held?.reduce((min, h) => Math.min(min, h.seq), Infinity) ?? Infinity;
        if (first !== Infinity) this.lastSeq = Math.max(this.lastSeq, first - 1);
      }
      if (!current()) return;
      const hole = this.release();
      if (hole === undefined) return;
      this.target = Math.max(this.target, hole - 1);
    }
  }

  /** Replays from the log until `target` is delivered (at most `maxReplay` entries). */
  private async fill(current: () => boolean): Promise<void> {
    const skipTo = this.target - this.options.maxReplay;
    if (skipTo > this.lastSeq) this.lastSeq = skipTo;
    while (this.lastSeq < this.target) {
      const limit = Math.min(PAGE, this.target - this.lastSeq);
      const page = await withRetries(() => this.options.history.after(this.roomId, this.lastSeq, limit));
      if (!current()) return;
      // An empty page before the target means history cannot fill this hole: give up on it.
      if (page.events.length === 0) throw new Error(`history has nothing after seq ${this.lastSeq}`);
      for (const entry of page.events) this.replay(entry);
      if (!page.has_more) return;
    }
  }

  private replay(entry: LogEntry): void {
    if (entry.data.seq <= this.lastSeq) return;
    this.lastSeq = entry.data.seq;
    // Addressed to this connection alone, so it carries the recipient's session id.
    this.sink.deliver(JSON.stringify(serverEnvelope(entry.type, this.sink.sessionId, entry.data as never)), 'replay');
  }

  /** Delivers held frames in seq order; returns the seq that opens a new hole, if any (it stays held). */
  private release(): number | undefined {
    const held = this.held;
    if (!held) return undefined;
    held.sort((a, b) => a.seq - b.seq);
    for (let i = 0; i < held.length; i++) {
      const h = held[i]!;
      if (h.seq <= this.lastSeq) continue;
      if (h.seq !== this.lastSeq + 1) {
        this.held = held.slice(i);
        return h.seq;
      }
      this.lastSeq = h.seq;
      this.sink.deliver(h.frame, 'live');
    }
    this.held = undefined;
    return undefined;
  }
}

async function withRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
