import { checkWithTimeout, type Logger } from '@parley/observability';
import type { HealthParts } from '@parley/service';
import { sql } from 'kysely';
import type { Db } from '../db/db.js';

const CHECK_TIMEOUT_MS = 1_000;

/** This instance's own dependency besides NATS: Postgres answers `SELECT 1` within a second. */
export function apiHealth({ db, logger }: { db: Db; logger: Logger }): () => Promise<HealthParts> {
  return async () => {
    const database = await checkWithTimeout(
      'database',
      async () => {
        await sql`SELECT 1`.execute(db);
      },
      CHECK_TIMEOUT_MS,
      { onFailure: (f) => logger.warn({ err: f.error, reason: f.reason }, 'database check failed') },
    );
    return { components: { database } };
  };
}
