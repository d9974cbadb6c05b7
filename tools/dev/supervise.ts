import type { ServiceKind, ServiceProcess } from '@parley/testing/process';

/** Restart delays: doubling from 250 ms to 10 s; reset once an instance has stayed up 30 s. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;
const STABLE_MS = 30_000;
/** Consecutive failed starts after which the instance is given up on (and the stack with it). */
const MAX_FAILED_STARTS = 5;

export interface Instance extends ServiceProcess {
  name: string;
  kind: ServiceKind;
  /** How many times this instance has been restarted after dying. */
  readonly restarts: number;
}

export interface SuperviseOptions {
  name: string;
  kind: ServiceKind;
  /** Starts the process (same port every time: the edge's upstream list does not change). */
  start: () => Promise<ServiceProcess>;
  /** A line for the log (deaths and restarts). */
  onLine?: (line: string) => void;
  /** The instance could not be brought back: the caller stops the stack with this message. */
  onGiveUp: (message: string) => void;
}

/**
 * Keeps one service instance running: when its process dies unasked (crash, SIGKILL), it is
 * started again after a backoff, while the edge routes around it. `stop()` ends supervision
 * and stops the process. The returned object always shows the current process.
 */
export async function supervise(options: SuperviseOptions): Promise<Instance> {
  let current = await options.start();
  let stopping = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;

  const watch = (proc: ServiceProcess): void => {
    const since = Date.now();
    proc.child.once('exit', (code, signal) => {
      if (stopping) return;
      options.onLine?.(`exited unexpectedly (${signal ?? `code ${code}`}); restarting`);
      void revive(Date.now() - since >= STABLE_MS ? 0 : 1);
    });
  };

  const revive = async (attempt: number): Promise<void> => {
    const delay = attempt === 0 ? 0 : Math.min(FIRST_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
    await new Promise<void>((resolve) => (timer = setTimeout(resolve, delay)));
    if (stopping) return;
    try {
      const next = await options.start();
      if (stopping) return void (await next.stop());
      current = next;
      restarts += 1;
      options.onLine?.(`restarted (restart ${restarts})`);
      watch(next);
    } catch (error) {
      if (attempt + 1 >= MAX_FAILED_STARTS) {
        options.onGiveUp(`${options.name} died and failed to start ${MAX_FAILED_STARTS} times: ${(error as Error).message.split('\n')[0]}`);
        return;
      }
      options.onLine?.(`restart failed (${(error as Error).message.split('\n')[0]}); retrying`);
      await revive(attempt + 1);
    }
  };

  watch(current);
  return {
    name: options.name,
    kind: options.kind,
    get restarts() {
      return restarts;
    },
    get url() {
      return current.url;
    },
    get port() {
      return current.port;
    },
    get child() {
      return current.child;
    },
    output: () => current.output(),
    async stop(signal) {
      stopping = true;
      clearTimeout(timer);
      return current.stop(signal);
    },
  };
}
