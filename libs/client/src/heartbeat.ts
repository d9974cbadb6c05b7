import type { Timers } from './types.js';

/**
 * Application heartbeats on one connection. A browser cannot see WebSocket protocol pings, so
 * the client sends `heartbeat` frames with an increasing `sequence` and expects the server to
 * echo each one: the first goes out `intervalMs` after `start`; each echo (a `heartbeat` whose
 * `sequence` is at least the one sent) schedules the next `intervalMs` later; an echo missing
 * for `timeoutMs` calls `onTimeout` (the connection is dead). Sequences increase for the whole
 * life of the client, across connections.
 */
export class Heartbeat {
  #sequence = 0;
  /** The sequence sent and not yet echoed, if any. */
  #awaiting: number | undefined;
  #timer: unknown;
  #intervalMs = 0;
  #timeoutMs = 0;

  constructor(
    private readonly timers: Timers,
    private readonly send: (sequence: number) => void,
    private readonly onTimeout: () => void,
  ) {}

  /** True while a heartbeat waits for its echo. */
  get inFlight(): boolean {
    return this.#awaiting !== undefined;
  }

  /** Starts heartbeating (a connection got its `welcome`); restarts if already running. */
  start(intervalMs: number, timeoutMs: number): void {
    this.stop();
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#schedule();
  }

  /** Stops heartbeating (the connection ended). */
  stop(): void {
    if (this.#timer !== undefined) this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#awaiting = undefined;
  }

  /** A server `heartbeat` arrived. Echoes of older sequences, or with none when none is awaited, are ignored. */
  echoed(sequence: number | undefined): void {
    if (this.#awaiting === undefined) return;
    if (sequence !== undefined && sequence < this.#awaiting) return;
    this.timers.clearTimeout(this.#timer);
    this.#awaiting = undefined;
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = this.timers.setTimeout(() => this.#beat(), this.#intervalMs);
  }

  #beat(): void {
    this.#sequence += 1;
    this.#awaiting = this.#sequence;
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#awaiting = undefined;
      this.onTimeout();
    }, this.#timeoutMs);
    this.send(this.#sequence);
  }
}
