import { verifierFromSettings } from '@parley/auth';
import type { Env } from '@parley/config';
import type { ServiceContext, Started } from '@parley/service';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';
import { migrateToLatest } from './db/migrator.js';
import { createPgliteDb } from './db/pglite.js';
import { VERSION } from './version.js';

/**
 * The api in embedded mode (one process hosting every service, no Postgres server): PGlite in
 * this process, migrated before serving, with the same repositories; the bus is the host's.
 * `dataDir` undefined keeps the database in memory. `close` closes PGlite after the app.
 */
export async function startEmbeddedApi(ctx: ServiceContext, env: Env, dataDir: string | undefined): Promise<Started> {
  const config = loadApiConfig(env);
  const db = await createPgliteDb({ dataDir });
  const { results } = await migrateToLatest(db);
  ctx.logger.info({ applied: results?.map((r) => r.migrationName) ?? [], data: dataDir ?? 'memory' }, 'pglite: migrations up to date');
  const app = await buildApp({
    db,
    bus: ctx.bus,
    logger: ctx.logger,
    metrics: ctx.metrics,
    verifier: verifierFromSettings(config),
    // The host's in-memory bus delivers every publish: no tail to lose, no heads to send.
    config: { ...config, ROOM_HEADS_INTERVAL_MS: 0 },
    instanceId: ctx.instanceId,
    version: VERSION,
  });
  return { app, close: () => db.destroy() };
}
