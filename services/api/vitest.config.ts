import { defineProjectConfig } from '../../vitest.shared.js';

export default defineProjectConfig({
  services: ['postgres', 'nats', 'redis'],
  realServers: [
    {
      files: 'test/repositories.postgres.int.test.ts',
      needs: ['postgres'],
      why: 'the repository contract on PostgreSQL itself (test/repositories.pglite.test.ts runs it on PGlite everywhere)',
    },
    { files: 'test/migrations.int.test.ts', needs: ['postgres'], why: 'what the migrations leave in a PostgreSQL catalog' },
    {
      files: 'test/main.int.test.ts',
      needs: ['postgres', 'nats', 'redis'],
      why: 'api processes on real servers: two migrating one database at once, then SIGTERM',
    },
    {
      files: 'test/api-keys.int.test.ts',
      needs: ['postgres', 'nats', 'redis'],
      why: 'server-API keys on a real store, limited per key in Redis across instances, and the apikey CLI',
    },
    { files: 'test/rate-limit.int.test.ts', needs: ['postgres', 'nats', 'redis'], why: 'REST limits counted in Redis across instances, and a Redis outage' },
    {
      files: 'test/*.int.test.ts',
      needs: ['postgres', 'nats'],
      why: 'the app on a PostgreSQL pool and NATS (test/app.ts and test/db.ts wire the real drivers)',
    },
  ],
});
