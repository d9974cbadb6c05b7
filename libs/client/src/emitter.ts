/**
 * A small typed event emitter. Listeners run synchronously in subscription order; a listener
 * that throws does not stop the others nor the client: its error is rethrown from a microtask
 * (reported like an uncaught error, as `EventTarget` does), never into the SDK's frame handling.
 */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Subscribes `fn` to `event`; returns a function that unsubscribes it (idempotent). */
  on<K extends keyof Events>(event: K, fn: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    // Wrapped so the same function subscribed twice is two subscriptions, each removable once.
    const entry = (payload: never) => fn(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Calls every listener of `event` with `payload`. Listeners added during the call are not called. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined || set.size === 0) return;
    for (const fn of [...set]) {
      try {
        (fn as (payload: Events[K]) => void)(payload);
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
}
