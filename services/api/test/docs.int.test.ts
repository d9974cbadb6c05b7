import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let api: TestApi;

beforeAll(async () => {
  t = await migratedDatabase();
  api = await startApi({ databaseUrl: t.url });
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

describe('/docs', () => {
  it('serves OpenAPI generated from the protocol schemas, covering every endpoint', async () => {
    const res = await api.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/rooms/',
      '/api/rooms/{room_id}/',
      '/api/rooms/{room_id}/bans/',
      '/api/rooms/{room_id}/bans/{user_id}/',
      '/api/rooms/{room_id}/events/',
      '/api/rooms/{room_id}/join/',
      '/api/rooms/{room_id}/leave/',
      '/api/rooms/{room_id}/members/',
      '/api/rooms/{room_id}/members/{user_id}/',
      '/api/rooms/{room_id}/messages/',
      '/api/rooms/{room_id}/mutes/',
      '/api/rooms/{room_id}/mutes/{user_id}/',
      '/api/rooms/{room_id}/presence/',
      '/api/rooms/{room_id}/read/',
      '/api/rooms/{room_id}/slow-mode/',
      '/api/server/audit/',
      '/api/server/broadcast/',
      '/api/server/keys/',
      '/api/server/rooms/',
      '/api/server/rooms/{room_id}/',
      '/api/server/rooms/{room_id}/bans/',
      '/api/server/rooms/{room_id}/bans/{user_id}/',
      '/api/server/rooms/{room_id}/members/',
      '/api/server/rooms/{room_id}/members/{user_id}/',
      '/api/server/rooms/{room_id}/messages/',
      '/api/server/rooms/{room_id}/mutes/',
      '/api/server/rooms/{room_id}/mutes/{user_id}/',
      '/api/server/rooms/{room_id}/presence/',
      '/api/server/rooms/{room_id}/slow-mode/',
      '/api/server/users/{user_id}/disconnect/',
      '/api/server/users/{user_id}/presence/',
      '/api/server/webhooks/',
      '/api/server/webhooks/{webhook_id}/',
      '/api/server/webhooks/{webhook_id}/dead-letters/',
      '/api/server/webhooks/{webhook_id}/dead-letters/{dead_letter_id}/replay/',
      '/api/sessions/',
      '/api/sessions/{session_id}/',
    ]);
    const create = doc.paths['/api/sessions/'].post;
    expect(create.requestBody.content['application/json'].schema.required).toContain('user_id');
    expect(Object.keys(create.responses)).toContain('201');
    const read = doc.paths['/api/rooms/{room_id}/read/'].put;
    expect(read.requestBody.content['application/json'].schema.required).toEqual(['seq']);
    expect(Object.keys(read.responses['200'].content['application/json'].schema.properties).sort()).toEqual(['read_seq', 'room_id', 'unread']);
    expect((await api.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
    // Both ways to identify a caller are declared, and every operation accepts either (or none, unless AUTH_REQUIRED).
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(doc.components.securitySchemes.sessionAuth).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-session-id' });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { sessionAuth: [] }, {}]);
    // The server API takes an API key only, as a Bearer or in X-Api-Key.
    expect(doc.components.securitySchemes.apiKeyHeader).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    expect(doc.paths['/api/server/keys/'].get.security).toEqual([{ apiKeyBearer: [] }, { apiKeyHeader: [] }]);
    const publish = doc.paths['/api/server/rooms/{room_id}/messages/'].post;
    expect(publish.security).toEqual([{ apiKeyBearer: [] }, { apiKeyHeader: [] }]);
    expect(publish.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key' }));
    expect(doc.paths['/api/server/webhooks/'].post.security).toEqual([{ apiKeyBearer: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths['/api/server/webhooks/'].post.requestBody.content['application/json'].schema.required).toEqual(['url', 'events', 'secret']);
  });
});
