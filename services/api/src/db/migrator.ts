import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as initial from './migrations/2026_11_26_120000_initial.js';
import * as appendFunction from './migrations/2026_11_26_130000_append_function.js';
import * as sessionCounters from './migrations/2026_11_26_140000_session_counters.js';
import * as accessControl from './migrations/2026_12_03_100000_access_control.js';
import * as sessionlessAuthors from './migrations/2026_12_04_100000_sessionless_authors.js';
import * as roomEvents from './migrations/2026_12_05_100000_room_events.js';
import * as readPositions from './migrations/2026_12_05_120000_read_positions.js';
import * as apiKeys from './migrations/2026_12_05_140000_api_keys.js';
import * as moderation from './migrations/2026_12_05_141000_moderation.js';
import * as webhooks from './migrations/2026_12_05_160000_webhooks.js';
import * as webhookMessageEvents from './migrations/2026_12_05_161000_webhook_message_events.js';
import * as appendOneStatement from './migrations/2026_12_06_100000_append_one_statement.js';
import * as webhookTriggersOnDemand from './migrations/2026_12_06_110000_webhook_triggers_on_demand.js';
import * as appendInLinearTime from './migrations/2026_12_06_120000_append_in_linear_time.js';

/**
 * Every migration, by name, imported statically: works the same under tsx, vitest and
 * compiled JS, with no filesystem globbing. Names sort in the order they must run.
 */
const MIGRATIONS: Record<string, Migration> = {
  '2026_11_26_120000_initial': initial,
  '2026_11_26_130000_append_function': appendFunction,
  '2026_11_26_140000_session_counters': sessionCounters,
  '2026_12_03_100000_access_control': accessControl,
  '2026_12_04_100000_sessionless_authors': sessionlessAuthors,
  '2026_12_05_100000_room_events': roomEvents,
  '2026_12_05_120000_read_positions': readPositions,
  '2026_12_05_140000_api_keys': apiKeys,
  '2026_12_05_141000_moderation': moderation,
  '2026_12_05_160000_webhooks': webhooks,
  '2026_12_05_161000_webhook_message_events': webhookMessageEvents,
  '2026_12_06_100000_append_one_statement': appendOneStatement,
  '2026_12_06_110000_webhook_triggers_on_demand': webhookTriggersOnDemand,
  '2026_12_06_120000_append_in_linear_time': appendInLinearTime,
};

/** A kysely Migrator over every migration above. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not Database
export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
}

/**
 * Brings the schema to the latest version. Safe when several instances start at once:
 * kysely's Migrator holds a row lock in its lock table for the whole run.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not Database
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
