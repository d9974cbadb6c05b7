import { describe, expect, it } from 'vitest';

import {
  CreateRoomRequestSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  HealthResponseSchema,
  HTTP_STATUS_FOR_HEALTH,
  ListRoomsQuerySchema,
  MessagesPageSchema,
  MessagesQuerySchema,
  PreferencesSchema,
  RoomParamsSchema,
  SessionParamsSchema,
  worstStatus,
} from '../src/index.js';

const SESSION = '550e8400-e29b-41d4-a716-446655440000';

describe('ListRoomsQuery (query strings, coerced)', () => {
  it('defaults limit 50 and offset 0', () => {
    expect(ListRoomsQuerySchema.parse({})).toEqual({ limit: 50, offset: 0 });
  });

  it('coerces strings', () => {
    expect(ListRoomsQuerySchema.parse({ limit: '10', offset: '20', category: 'tech' })).toEqual({
      limit: 10,
      offset: 20,
      category: 'tech',
    });
  });

  it.each(['0', '-1', 'abc', '', '1.5', 'Infinity'])('rejects limit=%j', (limit) => {
    const result = ListRoomsQuerySchema.safeParse({ limit });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['limit']);
  });

  it('clamps limit above 100 to 100', () => {
    expect(ListRoomsQuerySchema.parse({ limit: '1000' }).limit).toBe(100);
    expect(ListRoomsQuerySchema.parse({ limit: '100' }).limit).toBe(100);
  });

  it('rejects a negative offset, a repeated parameter and a bad category', () => {
    expect(ListRoomsQuerySchema.safeParse({ offset: '-1' }).success).toBe(false);
    expect(ListRoomsQuerySchema.safeParse({ limit: ['1', '2'] }).success).toBe(false);
    expect(ListRoomsQuerySchema.safeParse({ category: 'Tech Talk' }).success).toBe(false);
  });
});

describe('MessagesQuery and MessagesPage', () => {
  it('defaults, clamps and coerces cursors', () => {
    expect(MessagesQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(MessagesQuerySchema.parse({ limit: '500', before_seq: '10', after_seq: '0' })).toEqual({
      limit: 100,
      before_seq: 10,
      after_seq: 0,
    });
    expect(MessagesQuerySchema.safeParse({ before_seq: '0' }).success).toBe(false);
    expect(MessagesQuerySchema.safeParse({ after_seq: '-1' }).success).toBe(false);
  });

  it('validates a page', () => {
    const page = { messages: [], has_more: false, next_before_seq: null };
    expect(MessagesPageSchema.parse(page)).toEqual(page);
  });
});

describe('sessions', () => {
  it('accepts extra primitive preferences and rejects objects, bad keys and too many keys', () => {
    expect(PreferencesSchema.parse({ theme: 'dark', language: 'en', font_size: 14, beta: null })).toEqual({
      theme: 'dark',
      language: 'en',
      font_size: 14,
      beta: null,
    });
    expect(PreferencesSchema.safeParse({ nested: { a: 1 } }).success).toBe(false);
    expect(PreferencesSchema.safeParse({ list: [1] }).success).toBe(false);
    expect(PreferencesSchema.safeParse({ 'bad key': 1 }).success).toBe(false);
    expect(PreferencesSchema.safeParse({ notifications: 'yes' }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect(PreferencesSchema.safeParse(many).success).toBe(false);
    expect(PreferencesSchema.safeParse(Object.fromEntries(Object.entries(many).slice(0, 32))).success).toBe(true);
  });

  it('does not let a __proto__ preference pollute anything', () => {
    const body = JSON.parse('{"user_id":"u1","preferences":{"theme":"dark","__proto__":{"polluted":true}}}');
    const parsed = CreateSessionRequestSchema.parse(body);
    expect(Object.getPrototypeOf(parsed.preferences)).toBe(Object.prototype);
    expect(Object.keys(parsed.preferences ?? {})).toEqual(['theme']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rejects blank or control-character user ids and non-ws websocket urls', () => {
    for (const user_id of ['', '   ', 'a\nb', 'x'.repeat(129)]) {
      expect(CreateSessionRequestSchema.safeParse({ user_id }).success).toBe(false);
    }
    const response = {
      session_id: SESSION,
      user_id: 'u',
      created_at: '2024-01-01T00:00:00Z',
      expires_at: '2024-01-02T00:00:00.000+00:00',
      websocket_url: 'wss://chat.example.com/ws/chat/?session_id=' + SESSION,
    };
    expect(CreateSessionResponseSchema.safeParse(response).success).toBe(true);
    expect(CreateSessionResponseSchema.safeParse({ ...response, websocket_url: 'https://x/' }).success).toBe(false);
    expect(CreateSessionResponseSchema.safeParse({ ...response, created_at: '2024-01-01 00:00' }).success).toBe(false);
  });

  it('validates path params', () => {
    expect(SessionParamsSchema.safeParse({ session_id: SESSION }).success).toBe(true);
    expect(SessionParamsSchema.safeParse({ session_id: 'not-a-uuid' }).success).toBe(false);
    expect(RoomParamsSchema.safeParse({ room_id: 'general' }).success).toBe(true);
    expect(RoomParamsSchema.safeParse({ room_id: 'chat.>' }).success).toBe(false);
  });
});

describe('CreateRoomRequest', () => {
  it('trims, defaults category and description', () => {
    expect(CreateRoomRequestSchema.parse({ room_id: 'tech', name: '  Tech  ' })).toEqual({
      room_id: 'tech',
      name: 'Tech',
      description: '',
      category: 'general',
      visibility: 'public',
    });
  });

  it('takes a direct conversation of two different users', () => {
    expect(CreateRoomRequestSchema.parse({ type: 'direct', user_ids: ['ann', 'bob'] })).toEqual({ type: 'direct', user_ids: ['ann', 'bob'] });
    expect(CreateRoomRequestSchema.safeParse({ type: 'direct', user_ids: ['ann', 'ann'] }).success).toBe(false);
    expect(CreateRoomRequestSchema.safeParse({ type: 'direct', user_ids: ['ann'] }).success).toBe(false);
    expect(CreateRoomRequestSchema.safeParse({ type: 'group', room_id: 'x', name: 'X' }).success).toBe(false);
  });

  it('bounds name and description in characters', () => {
    const base = { room_id: 'tech' };
    expect(CreateRoomRequestSchema.safeParse({ ...base, name: '   ' }).success).toBe(false);
    expect(CreateRoomRequestSchema.safeParse({ ...base, name: '😀'.repeat(100) }).success).toBe(true);
    expect(CreateRoomRequestSchema.safeParse({ ...base, name: 'a'.repeat(101) }).success).toBe(false);
    expect(CreateRoomRequestSchema.safeParse({ ...base, name: 'a', description: 'd'.repeat(501) }).success).toBe(false);
    expect(CreateRoomRequestSchema.safeParse({ ...base, name: 'a\u0007' }).success).toBe(false);
  });
});

describe('health', () => {
  const health = {
    status: 'degraded',
    timestamp: '2024-01-01T00:00:00Z',
    version: '1.0.0',
    components: { database: 'healthy', redis: 'degraded', websocket: 'healthy', nats: 'healthy' },
    metrics: { active_connections: 0, total_messages_processed: 0, uptime_seconds: 1 },
  };

  it('allows extra components but requires the seed three', () => {
    expect(HealthResponseSchema.parse(health)).toEqual(health);
    const { redis: _redis, ...withoutRedis } = health.components;
    expect(HealthResponseSchema.safeParse({ ...health, components: withoutRedis }).success).toBe(false);
    expect(HealthResponseSchema.safeParse({ ...health, components: { ...health.components, nats: 'ok' } }).success).toBe(false);
  });

  it('aggregates to the worst status and maps it to HTTP', () => {
    expect(worstStatus([])).toBe('healthy');
    expect(worstStatus(['healthy', 'degraded', 'healthy'])).toBe('degraded');
    expect(worstStatus(['degraded', 'unhealthy'])).toBe('unhealthy');
    expect(HTTP_STATUS_FOR_HEALTH).toEqual({ healthy: 200, degraded: 200, unhealthy: 503 });
  });
});
