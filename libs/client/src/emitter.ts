/**
 * A small typed event emitter. Listeners run synchronously in subscription order; a listener
 * that throws does not stop the others nor the client: its error is rethrown from a microtask
 * (reported like an uncaught error, as `EventTarget` does), never into the SDK's frame handling.
 */
export class Emitter<Events extends object> {
  // One entry per subscription, so the same function subscribed twice is two subscriptions.
  readonly #listeners = new Map<keyof Events, Set<Entry>>();

  /** Subscribes `fn` to `event`; returns a function that unsubscribes it (idempotent). */
  on<K extends keyof Events>(event: K, fn: (payload: Events[K]) => void): () => void {
    return this.#add(event, fn, fn);
  }

  /** Like {@link on}, for the next `event` only. */
  once<K extends keyof Events>(event: K, fn: (payload: Events[K]) => void): () => void {
    const off = this.#add<K>(event, fn, (payload) => {
      off();
      fn(payload);
    });
    return off;
  }

  /** Unsubscribes every subscription of `fn` to `event` (made with `on` or `once`); a no-op if none. */
  off<K extends keyof Events>(event: K, fn: (payload: Events[K]) => void): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const entry of set) if (entry.listener === fn) set.delete(entry);
  }

  /** Calls every listener of `event` with `payload`. Listeners added during the call are not called. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined || set.size === 0) return;
    for (const entry of [...set]) {
      // A listener removed by an earlier one in this round is not called.
      if (!set.has(entry)) continue;
      try {
        (entry.call as (payload: Events[K]) => void)(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Removes every listener of every event. */
  clear(): void {
    this.#listeners.clear();
  }

  #add<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void, call: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    const entry: Entry = { listener, call: call as (payload: never) => void };
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }
}

/** One subscription: the function the user gave (for `off`) and what is called. */
interface Entry {
  readonly listener: unknown;
  readonly call: (payload: never) => void;
}
