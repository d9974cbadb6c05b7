import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

// int8 (bigint) arrives as a string by default; our counters and seqs stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DbOptions {
  url: string;
  poolMax?: number;
  /** How long a query may wait for a free connection before failing (ms). */
  acquireTimeoutMs?: number;
  /** Server-side cap on any statement (ms): a stuck query fails instead of holding a connection. */
  statementTimeoutMs?: number;
  /** Called when an idle pooled connection fails (the pool replaces it). */
  onPoolError?: (error: Error) => void;
}

export type Db = Kysely<Database>;

// Kysely does not expose its pool; the metrics read it from here (every Db comes from createDb).
const pools = new WeakMap<Db, pg.Pool>();

/** The pg pool behind a Db made by {@link createDb}: for its gauges, never for queries. */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db);
}

/** Opens a pool-backed Kysely instance. The caller owns it and must `destroy()` it. */
export function createDb({ url, poolMax = 10, acquireTimeoutMs = 2_000, statementTimeoutMs = 5_000, onPoolError }: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: acquireTimeoutMs,
    statement_timeout: statementTimeoutMs,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener it kills the process.
  pool.on('error', (error) => onPoolError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}
