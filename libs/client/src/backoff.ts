import type { BackoffOptions } from './types.js';

/** Reconnect delay bounds in ms, both inclusive. */
export interface BackoffBounds {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Centrifugo's client defaults: 0.5 s to 20 s. */
export const DEFAULT_BACKOFF: BackoffBounds = Object.freeze({ minMs: 500, maxMs: 20_000 });

/**
 * Validates and fills in {@link BackoffOptions}. Throws a RangeError unless 1 <= minMs <= maxMs
 * (a zero minimum would never grow).
 */
export function backoffBounds(options: BackoffOptions = {}): BackoffBounds {
  const minMs = options.minMs ?? DEFAULT_BACKOFF.minMs;
  const maxMs = options.maxMs ?? Math.max(DEFAULT_BACKOFF.maxMs, minMs);
  if (!Number.isFinite(minMs) || !Number.isFinite(maxMs) || minMs < 1 || maxMs < minMs) {
    throw new RangeError(`backoff needs 1 <= minMs <= maxMs, got minMs=${minMs} maxMs=${maxMs}`);
  }
  return { minMs, maxMs };
}

/**
 * The delay before reconnect attempt number `attempt` (0 for the first retry after a connection
 * that had succeeded): exponential growth with full jitter, as centrifuge-js does. The ceiling
 * doubles with each attempt, `min(maxMs, minMs * 2^(attempt + 1))`, and the delay is uniform
 * over `[minMs, ceiling]` (whole ms), so even the first retry of a crowd of clients is spread
 * out. `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, bounds: BackoffBounds, random: () => number = Math.random): number {
  const { minMs, maxMs } = bounds;
  const exponent = Math.min(Math.max(attempt, 0), 30) + 1;
  const ceiling = Math.min(maxMs, minMs * 2 ** exponent);
  const delay = minMs + Math.floor(random() * (ceiling - minMs + 1));
  return Math.min(Math.max(delay, minMs), ceiling);
}

/**
 * The reconnect schedule of one client: counts consecutive attempts that did not reach a
 * `welcome`, and holds the server's `retry_after_ms` hint (from a `reconnect` system message),
 * which replaces the backoff delay for the next reconnect only.
 */
export class ReconnectSchedule {
  #attempt = 0;
  #hintMs: number | undefined;

  constructor(
    private readonly bounds: BackoffBounds,
    private readonly random: () => number,
  ) {}

  /** Consecutive attempts since the last `welcome`. */
  get attempt(): number {
    return this.#attempt;
  }

  /** A connection succeeded (its `welcome` arrived): the next delay starts from the bottom again. */
  reset(): void {
    this.#attempt = 0;
  }

  /** The server asked to reconnect after `ms` (already jittered by the server). */
  hint(ms: number): void {
    this.#hintMs = ms;
  }

  /** Forgets a pending hint (a fresh `connect()`). */
  clearHint(): void {
    this.#hintMs = undefined;
  }

  /** The delay before the next attempt, and counts that attempt. */
  next(): number {
    const delay = this.#hintMs ?? backoffDelay(this.#attempt, this.bounds, this.random);
    this.#hintMs = undefined;
    this.#attempt += 1;
    return delay;
  }
}
