import { createTestDatabase, serviceUrl, startServiceProcess, uniqueId, type TestDatabase } from '@parley/testing';
import { afterAll, describe, expect, it } from 'vitest';

let db: TestDatabase | undefined;
afterAll(() => db?.drop());

describe('the api process', () => {
  it('migrates on start (two instances at once), serves, and exits 0 on SIGTERM', async () => {
    db = await createTestDatabase('parley_api_main');
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: serviceUrl('nats'),
      BUS_SUBJECT_PREFIX: uniqueId('main'),
      REDIS_URL: serviceUrl('redis'),
      REDIS_KEY_PREFIX: uniqueId('main'),
      MIGRATE_ON_START: 'true',
    };
    // Two instances migrating one empty database concurrently: kysely's migration lock serializes them.
    const [one, two] = await Promise.all([startServiceProcess('api', { env }), startServiceProcess('api', { env })]);
    try {
      const created = await fetch(`${one.url}/api/sessions/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'user123' }),
      });
      expect(created.status).toBe(201);
      const { session_id } = (await created.json()) as { session_id: string };
      const read = await fetch(`${two.url}/api/sessions/${session_id}/`);
      expect(read.status).toBe(200);
      const rooms = (await (await fetch(`${two.url}/api/rooms/`)).json()) as { rooms: { room_id: string }[] };
      expect(rooms.rooms.map((r) => r.room_id)).toEqual(['general']);
      // The process shell times bus requests (the listing asked presence for counts) and keeps
      // Node's default metrics under their standard names.
      const metrics = await (await fetch(`${two.url}/metrics`)).text();
      expect(metrics).toMatch(/^parley_bus_request_duration_seconds_count\{[^}]*subject="presence\.[^}]*\} [1-9]/m);
      expect(metrics).toMatch(/^process_cpu_seconds_total\{[^}]*service="api"[^}]*\} /m);
    } finally {
      expect(await one.stop()).toBe(0);
      expect(await two.stop()).toBe(0);
    }
  });

  it('refuses to start with bad configuration, naming every bad key', async () => {
    const failed = await startServiceProcess('api', {
      env: { PORT: '0', DATABASE_URL: 'mysql://x', AUTH_REQUIRED: 'maybe', SESSION_TTL_MS: 'soon' },
      readyTimeoutMs: 15_000,
    }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(failed).toMatch(/exited with 1/);
    expect(failed).toMatch(/DATABASE_URL/);
    expect(failed).toMatch(/AUTH_REQUIRED/);
    expect(failed).toMatch(/SESSION_TTL_MS/);
  });
});
