import { BusHandlerError, BusRequestError, BusValidationError } from './errors.js';
import type { Bus, Endpoint, RequestOptions } from './types.js';

/**
 * How a timed bus operation ended: `ok`; a {@link BusRequestError} code (`timeout`,
 * `no_responders`, `remote`, `invalid_reply`, `disconnected`); `rejected` (a served request
 * answered with a {@link BusHandlerError}); `invalid` (validation); `error` (anything else).
 */
export type BusOutcome = 'ok' | 'rejected' | 'invalid' | 'error' | BusRequestError['code'];

/** Receives one call per timed operation; `subject` is the endpoint's logical subject (bounded). */
export interface BusObserver {
  /** A `request()` this process made, from send to reply (or failure). */
  onRequest(subject: string, seconds: number, outcome: BusOutcome): void;
  /** A request this process served, from receipt by the handler to its result. */
  onServe(subject: string, seconds: number, outcome: BusOutcome): void;
}

function outcomeOf(error: unknown): BusOutcome {
  if (error instanceof BusRequestError) return error.code;
  if (error instanceof BusHandlerError) return 'rejected';
  if (error instanceof BusValidationError) return 'invalid';
  return 'error';
}

/**
 * `work`'s result, its time and outcome recorded when it settles (a synchronous throw too).
 * Callbacks, not async/await: every served request passes here, and each async layer costs a
 * promise and microtasks.
 */
function timed<T>(work: () => T | Promise<T>, record: (seconds: number, outcome: BusOutcome) => void): Promise<T> {
  const start = performance.now();
  let result: T | Promise<T>;
  try {
    result = work();
  } catch (error) {
    record((performance.now() - start) / 1000, outcomeOf(error));
    return Promise.reject(error as Error);
  }
  return Promise.resolve(result).then(
    (value) => {
      record((performance.now() - start) / 1000, 'ok');
      return value;
    },
    (error: unknown) => {
      record((performance.now() - start) / 1000, outcomeOf(error));
      throw error;
    },
  );
}

/**
 * The same bus, with every `request()` and every served request timed and reported to
 * `observer` (for latency histograms by subject). Publishing and subscriptions are untouched:
 * they are counted where they happen, and timing each would cost on the hot path.
 */
export function instrumentBus(bus: Bus, observer: BusObserver): Bus {
  return {
    publish: (topic, payload) => bus.publish(topic, payload),
    subscribe: (topic, handler, options) => bus.subscribe(topic, handler, options),
    request: <Req, Res>(endpoint: Endpoint<Req, Res>, request: Req, options: RequestOptions) =>
      timed(
        () => bus.request(endpoint, request, options),
        (seconds, outcome) => observer.onRequest(endpoint.subject, seconds, outcome),
      ),
    serve: (endpoint, handler, options) =>
      bus.serve(
        endpoint,
        (request, context) =>
          timed(
            () => handler(request, context),
            (seconds, outcome) => observer.onServe(endpoint.subject, seconds, outcome),
          ),
        options,
      ),
    gather: (endpoint, request, options) => bus.gather(endpoint, request, options),
    drain: () => bus.drain(),
    isConnected: () => bus.isConnected(),
    onStatus: (listener) => bus.onStatus(listener),
  };
}
