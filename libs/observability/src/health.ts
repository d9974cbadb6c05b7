import { ComponentStatusSchema, type ComponentStatus } from '@parley/protocol';

const isStatus = (value: unknown): value is ComponentStatus => ComponentStatusSchema.safeParse(value).success;

/** Why a check did not produce a status of its own. */
export interface CheckFailure {
  readonly name: string;
  readonly reason: 'timeout' | 'error';
  /** What the check threw or rejected with (`undefined` on timeout). */
  readonly error?: unknown;
}

export interface CheckOptions {
  /** Called once when the check throws, rejects or times out, e.g. to log it with `name`. */
  readonly onFailure?: (failure: CheckFailure) => void;
}

/**
 * Runs one health check with a deadline and always resolves, never rejects:
 * - `fn` resolves with a status → that status; with nothing → `healthy`; with anything else → `unhealthy`;
 * - `fn` throws or rejects → `unhealthy`;
 * - `fn` has not settled after `timeoutMs` milliseconds → `unhealthy`, and `signal` is aborted so
 *   the check can cancel its work (a late result is ignored).
 * `name` identifies the check in `onFailure`. The timer is cleared as soon as the check settles.
 */
export function checkWithTimeout(
  name: string,
  fn: (signal: AbortSignal) => Promise<ComponentStatus | void> | ComponentStatus | void,
  timeoutMs: number,
  options: CheckOptions = {},
): Promise<ComponentStatus> {
  const controller = new AbortController();
  const report = (failure: CheckFailure): ComponentStatus => {
    try {
      options.onFailure?.(failure);
    } catch {
      // A failing reporter must not turn a health answer into a rejection.
    }
    return 'unhealthy';
  };

  return new Promise<ComponentStatus>((resolve) => {
    const timer = setTimeout(() => {
      controller.abort(new Error(`health check "${name}" timed out after ${timeoutMs} ms`));
      resolve(report({ name, reason: 'timeout' }));
    }, timeoutMs);

    const settle = (status: ComponentStatus): void => {
      clearTimeout(timer);
      if (!controller.signal.aborted) resolve(status);
    };

    Promise.resolve()
      .then(() => fn(controller.signal))
      .then(
        (status) => settle(status === undefined ? 'healthy' : isStatus(status) ? status : 'unhealthy'),
        (error: unknown) => {
          if (!controller.signal.aborted) settle(report({ name, reason: 'error', error }));
        },
      );
  });
}
