import type { RoomId } from '@parley/protocol';

import type { ParleyError } from './errors.js';

/** Promises waiting for the server's answer to a request. */

/** The settling half of a promise. */
export interface Deferred<T> {
  resolve(value: T): void;
  reject(error: ParleyError): void;
}

/** A promise and its settling half. */
export function deferred<T>(): { promise: Promise<T>; deferred: Deferred<T> } {
  let resolve!: (value: T) => void;
  let reject!: (error: ParleyError) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, deferred: { resolve, reject } };
}

/**
 * Waiters per room, and how many frames for each room went out on the current connection
 * without an answer yet (a user's join and a gap rejoin may both be on their way).
 */
export class RoomWaiters<T> {
  readonly waiters = new Map<RoomId, Deferred<T>[]>();
  readonly #inFlight = new Map<RoomId, number>();

  add(roomId: RoomId): Promise<T> {
    const { promise, deferred: waiter } = deferred<T>();
    this.waiters.set(roomId, [...(this.waiters.get(roomId) ?? []), waiter]);
    return promise;
  }

  sent(roomId: RoomId): void {
    this.#inFlight.set(roomId, (this.#inFlight.get(roomId) ?? 0) + 1);
  }

  has(roomId: RoomId): boolean {
    return this.#inFlight.has(roomId);
  }

  /** Frames without an answer, over all rooms. */
  get count(): number {
    let total = 0;
    for (const n of this.#inFlight.values()) total += n;
    return total;
  }

  /** Any room with a frame in flight. */
  first(): RoomId | undefined {
    return this.#inFlight.keys().next().value;
  }

  /** The connection ended: no frame is in flight any more. */
  clearInFlight(): void {
    this.#inFlight.clear();
  }

  /** One frame for `roomId` was answered: every waiter of the room gets the outcome. */
  settle(roomId: RoomId, outcome: { value: T } | { error: ParleyError }): void {
    const left = (this.#inFlight.get(roomId) ?? 0) - 1;
    if (left > 0) this.#inFlight.set(roomId, left);
    else this.#inFlight.delete(roomId);
    const waiters = this.waiters.get(roomId) ?? [];
    this.waiters.delete(roomId);
    for (const waiter of waiters) {
      if ('value' in outcome) waiter.resolve(outcome.value);
      else waiter.reject(outcome.error);
    }
  }
}
