import type { Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { PresenceMetrics } from '../metrics.js';
import { announce } from './announce.js';
import type { PresenceStore } from './presence.store.js';

export interface SweeperOptions {
  readonly intervalMs: number;
  /** Hold off this long after start and after any Redis failure or reconnect (see PRESENCE_SWEEP_GRACE_MS). */
  readonly graceMs: number;
  /** The store's sweep batch: a full batch means more may be due at once. */
  readonly batch: number;
}

export interface Sweeper {
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/** Most batches in one tick, so one tick never monopolises Redis. */
const MAX_BATCHES_PER_TICK = 20;

/**
 * Expires connections whose gateway stopped refreshing them (killed, partitioned) and announces
 * `user_left` for users whose last connection that was. Every instance sweeps; the sweep script
 * pops due connections atomically, so two sweepers never announce the same departure.
 *
 * After an outage every stored expiry may have passed while the gateways' refreshes could not be
 * applied: sweeping at once would announce everyone as gone and, one refresh later, as back. So a
 * sweeper waits `graceMs` (about one refresh interval) after start, any Redis failure and any
 * reconnect; live connections are refreshed meanwhile, dead ones are swept afterwards.
 */
export function startSweeper(deps: { bus: Bus; store: PresenceStore; logger: Logger; metrics: PresenceMetrics }, options: SweeperOptions): Sweeper {
  const { store, logger, metrics } = deps;
  let running: Promise<void> | undefined;

  const tick = async (): Promise<void> => {
    if (!store.isConnected() || Date.now() - store.lastDisruptionAt() < options.graceMs) return;
    try {
      for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) {
        const { closed, changes } = await store.sweep();
        if (closed > 0) {
          metrics.expired.inc(closed);
          logger.debug({ closed, changes: changes.length }, 'expired connections removed');
        }
        announce(deps, changes, Date.now());
        if (closed < options.batch) break;
      }
    } catch (err) {
      logger.debug({ err }, 'sweep failed; retrying on the next tick');
    }
  };

  const timer = setInterval(() => {
    running ??= tick().finally(() => {
      running = undefined;
    });
  }, options.intervalMs);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
