import type { Timers } from '../../src/index.js';

interface Pending {
  readonly at: number;
  readonly ms: number;
  readonly fn: () => void;
}

/**
 * Timers driven by the test, injected through `createClient({ timers })`: nothing fires until
 * `runNext()` or `advance()`. Only the client's timers are faked; sockets keep real I/O.
 */
export class ManualTimers implements Timers {
  now = 0;
  #id = 0;
  readonly #pending = new Map<number, Pending>();

  setTimeout(fn: () => void, ms: number): number {
    this.#id += 1;
    this.#pending.set(this.#id, { at: this.now + ms, ms, fn });
    return this.#id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** The requested durations of the pending timers, soonest first. */
  delays(): number[] {
    return this.#sorted().map(([, p]) => p.ms);
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Jumps to the soonest timer and runs it; returns its requested duration. */
  runNext(): number {
    const next = this.#sorted()[0];
    if (next === undefined) throw new Error('no pending timer');
    const [id, timer] = next;
    this.#pending.delete(id);
    this.now = timer.at;
    timer.fn();
    return timer.ms;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (let next = this.#sorted()[0]; next !== undefined && next[1].at <= until; next = this.#sorted()[0]) {
      this.#pending.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = until;
  }

  #sorted(): [number, Pending][] {
    return [...this.#pending].sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
  }
}
