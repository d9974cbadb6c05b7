import { createDb } from '../src/db/db.js';
import { migratedDatabase } from './db.js';
import { describeRepositoryContract } from './repositories.contract.js';

describeRepositoryContract('postgres', async () => {
  const t = await migratedDatabase();
  return {
    ...t,
    // A second pool on the same database: what a second api instance has.
    second: async () => {
      const db = createDb({ url: t.url });
      return { db, close: () => db.destroy() };
    },
  };
});
