import { createLogger } from '@parley/observability';
import { loadApiConfig } from './config.js';
import { createDb } from './db/db.js';
import { migrateToLatest } from './db/migrator.js';

// One-shot: bring the schema to the latest version, then exit (compose runs it before the api).
const config = loadApiConfig();
const logger = createLogger({ service: 'api-migrate', level: config.LOG_LEVEL });
const db = createDb({ url: config.DATABASE_URL, poolMax: 1 });
try {
  const { results } = await migrateToLatest(db);
  logger.info({ applied: results?.map((r) => r.migrationName) ?? [] }, 'migrations up to date');
} catch (err) {
  logger.error({ err }, 'migration failed');
  process.exitCode = 1;
} finally {
  await db.destroy();
}
