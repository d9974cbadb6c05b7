import { ParleyError } from './errors.js';
import type { Timers } from './types.js';

/**
 * `promise`, or a TIMEOUT {@link ParleyError} when it has not settled within `ms` (on the
 * client's timers, so tests can drive it). `ms` of Infinity waits for ever. The underlying
 * request is not cancelled: what happens to it is the caller's decision.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, timers: Timers, what: string): Promise<T> {
  if (ms === Infinity) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = timers.setTimeout(() => reject(ParleyError.timeout(what, ms)), ms);
    promise.then(
      (value) => {
        timers.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        timers.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
