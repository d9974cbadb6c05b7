import { PGlite, types } from '@electric-sql/pglite';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

export interface PgliteDbOptions {
  /** Directory of the database files (created when missing); undefined keeps everything in memory. */
  dataDir?: string | undefined;
}

/**
 * The api's database on PGlite (PostgreSQL compiled to WASM, in this process): the same
 * migrations, the same SQL and the same repositories as on a server. `destroy()` closes PGlite.
 *
 * PGlite is one session. Kysely thinks it holds a connection from acquire to release, and a
 * transaction's statements run between them, so the driver hands that one session to one holder
 * at a time: two transactions interleaved on one session would commit or roll back each other's
 * statements (kysely-pglite 0.6 does exactly that and loses rows; see the concurrency test).
 */
export async function createPgliteDb({ dataDir }: PgliteDbOptions = {}): Promise<Db> {
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    // Like db.ts does for pg: int8 counters and seqs as numbers (they stay far below 2^53).
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  return new Kysely<Database>({ dialect: new PgliteDialect(pglite) });
}

class PgliteDialect implements Dialect {
  constructor(private readonly pglite: PGlite) {}
  createAdapter = () => new PostgresAdapter();
  createDriver = (): Driver => new SerializedDriver(this.pglite);
  createQueryCompiler = () => new PostgresQueryCompiler();
  createIntrospector = (db: Kysely<unknown>) => new PostgresIntrospector(db);
}

class SerializedDriver implements Driver {
  private readonly connection: PgliteConnection;
  /** Resolves when the current holder releases the session; each acquirer chains onto it. */
  private tail: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;

  constructor(private readonly pglite: PGlite) {
    this.connection = new PgliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => (release = resolve));
    await previous;
    this.release = release;
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    // Wait for the holder and everyone queued, so nothing runs on a closed PGlite.
    await this.acquireConnection();
    if (!this.pglite.closed) await this.pglite.close();
  }
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pglite.query<R>(compiled.sql, [...compiled.parameters]);
    return {
      rows: result.rows,
      ...(result.affectedRows !== undefined ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    };
  }

  // eslint-disable-next-line require-yield -- kysely's interface; nothing here streams
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on PGlite');
  }
}
