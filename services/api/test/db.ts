import { createTestDatabase, type TestDatabase } from '@parley/testing';
import { createDb, type Db } from '../src/db/db.js';
import { migrateToLatest } from '../src/db/migrator.js';

export interface MigratedDatabase {
  db: Db;
  url: string;
  close(): Promise<void>;
}

/** A fresh database of the test file's own, migrated to the latest schema. */
export async function migratedDatabase(): Promise<MigratedDatabase> {
  const test: TestDatabase = await createTestDatabase('parley_api');
  const db = createDb({ url: test.url });
  await migrateToLatest(db);
  return {
    db,
    url: test.url,
    close: async () => {
      await db.destroy();
      await test.drop();
    },
  };
}
