import type { Metrics } from '@parley/observability';
import { Gauge } from 'prom-client';
import { poolOf, type Db } from './db.js';

/**
 * The Postgres pool, read at scrape time: `parley_api_db_pool_connections{state}` (`in_use`,
 * `idle`) and `parley_api_db_pool_waiting` (queries queued for a connection: the pool is the
 * bottleneck when this stays above 0).
 */
export function registerPoolMetrics(metrics: Metrics, db: Db): void {
  const pool = poolOf(db);
  if (!pool) return;
  const registers = [metrics.registry];
  new Gauge({
    name: 'parley_api_db_pool_connections',
    help: 'Postgres pool connections by state (in_use, idle)',
    labelNames: ['state'],
    registers,
    collect() {
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
    },
  });
  new Gauge({
    name: 'parley_api_db_pool_waiting',
    help: 'Queries waiting for a free Postgres pool connection',
    registers,
    collect() {
      this.set(pool.waitingCount);
    },
  });
}
