import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, planBackends, resolveServices, serviceUrl, uniqueId } from '../src/index.js';
import { probe } from '../src/probe.js';

describe('service resolution', () => {
  it('hands every requested service to tests, and each answers a real round trip', async () => {
    for (const name of ['postgres', 'redis', 'nats'] as const) {
      const url = serviceUrl(name);
      expect(url).toMatch(/^(postgres|redis|nats):\/\//);
      await expect(probe(name, url)).resolves.toBeUndefined();
    }
  });

  it('picks each server its environment URL names when it answers', async () => {
    const env = { DATABASE_URL: serviceUrl('postgres'), REDIS_URL: serviceUrl('redis'), NATS_URL: serviceUrl('nats') };
    const plan = await planBackends(['postgres', 'redis', 'nats'], env);
    expect(plan).toEqual([
      { name: 'postgres', source: 'env', url: env.DATABASE_URL },
      { name: 'redis', source: 'env', url: env.REDIS_URL },
      { name: 'nats', source: 'env', url: env.NATS_URL },
    ]);
  });

  it('falls back to the local default port when nothing is configured', async () => {
    const [nats] = await resolveServices(['nats'], {});
    expect(nats).toMatchObject({ name: 'nats', source: 'local', url: 'nats://127.0.0.1:4222' });
  });
});

describe('uniqueId', () => {
  it('is unique and safe as a subject token, key prefix and SQL identifier', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uniqueId('x')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^x_[0-9a-f]{8}$/);
  });
});

describe('createTestDatabase', () => {
  it('creates an empty database of its own and drops it', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0]?.db).toBe(db.name);
    // An open connection must not stop the drop (WITH FORCE).
    client.on('error', () => undefined);
    await db.drop();
    await client.end().catch(() => undefined);

    const admin = new pg.Client({ connectionString: serviceUrl('postgres') });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });
});
