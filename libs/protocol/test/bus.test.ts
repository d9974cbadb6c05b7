import { describe, expect, it } from 'vitest';

import {
  AppendMessageReplySchema,
  AppendMessageRequestSchema,
  BUS_BATCH_MAX,
  ErrorDataSchema,
  HealthProbeRequestSchema,
  InstanceHealthSchema,
  PresenceCountsReplySchema,
  PresenceEventSchema,
  ResolveSessionRequestSchema,
  RoomAccessReplySchema,
  RoomEventSchema,
  RoomPresenceResponseSchema,
  SessionControlSchema,
  SessionInfoSchema,
  SessionStatsReportSchema,
  busReplySchema,
  errorData,
  type StoredMessage,
} from '../src/index.js';

const SESSION = '550e8400-e29b-41d4-a716-446655440000';
const message: StoredMessage = {
  message_id: '6f1c2b7e-3d4a-4b5c-8d9e-0a1b2c3d4e5f',
  room_id: 'general',
  seq: 1,
  session_id: SESSION,
  user_id: 'user123',
  content: 'Hello',
  client_msg_id: null,
  created_at: '2024-01-01T12:30:00.000Z',
};
const AT = 1_700_000_000_000;

/** Round-trips through JSON (as on the wire) and expects the value back unchanged. */
const roundTrip = (schema: { parse: (v: unknown) => unknown }, value: unknown) => expect(schema.parse(JSON.parse(JSON.stringify(value)))).toEqual(value);

describe('bus payloads', () => {
  it('room events', () => {
    roundTrip(RoomEventSchema, { kind: 'message', message });
    roundTrip(RoomEventSchema, { kind: 'system', action: 'user_joined', user_id: 'u', room_id: 'general', at: AT });
    expect(RoomEventSchema.safeParse({ kind: 'system', action: 'welcome', user_id: 'u', room_id: 'g', at: AT }).success).toBe(false);
  });

  it('session resolution', () => {
    roundTrip(ResolveSessionRequestSchema, { mode: 'session', session_id: SESSION });
    roundTrip(ResolveSessionRequestSchema, { mode: 'user', user_id: 'alice' });
    roundTrip(ResolveSessionRequestSchema, { mode: 'guest' });
    expect(ResolveSessionRequestSchema.safeParse({ mode: 'session' }).success).toBe(false);
    const info = { session_id: SESSION, user_id: 'u', status: 'active', expires_at: '2024-01-02T00:00:00Z', rooms: [] };
    roundTrip(SessionInfoSchema, info);
  });

  it('append and access', () => {
    const request = { room_id: 'general', session_id: SESSION, user_id: 'u', content: 'hi', client_msg_id: 'c1' };
    roundTrip(AppendMessageRequestSchema, request);
    expect(AppendMessageRequestSchema.safeParse({ ...request, content: ' ' }).success).toBe(false);
    expect(AppendMessageRequestSchema.safeParse({ ...request, client_msg_id: undefined }).success).toBe(false);
    roundTrip(AppendMessageReplySchema, { message, duplicate: true });
    roundTrip(RoomAccessReplySchema, { room_id: 'general', allowed: true, last_seq: 0 });
  });

  it('stats reports are bounded batches', () => {
    const entry = {
      session_id: SESSION,
      messages_received: 2,
      connection_seconds: 1.5,
      last_activity: '2024-01-01T00:00:00.000Z',
    };
    roundTrip(SessionStatsReportSchema, { gateway_id: 'gw-1', sessions: [entry] });
    const tooMany = Array.from({ length: BUS_BATCH_MAX + 1 }, () => entry);
    expect(SessionStatsReportSchema.safeParse({ gateway_id: 'gw-1', sessions: tooMany }).success).toBe(false);
    expect(SessionStatsReportSchema.safeParse({ gateway_id: 'gw.1', sessions: [] }).success).toBe(false);
  });

  it('session control requires a room for join and leave', () => {
    roundTrip(SessionControlSchema, { session_id: SESSION, action: 'close' });
    roundTrip(SessionControlSchema, { session_id: SESSION, action: 'join', room_id: 'general' });
    const result = SessionControlSchema.safeParse({ session_id: SESSION, action: 'leave' });
    expect(result.error?.issues[0]?.path).toEqual(['room_id']);
  });

  it('presence events', () => {
    const base = { gateway_id: 'gw-1', connection_id: 'c-1', session_id: SESSION, user_id: 'u', at: AT };
    roundTrip(PresenceEventSchema, { kind: 'connect', ...base });
    roundTrip(PresenceEventSchema, { kind: 'join', ...base, room_id: 'general' });
    expect(PresenceEventSchema.safeParse({ kind: 'join', ...base }).success).toBe(false);
    roundTrip(PresenceEventSchema, {
      kind: 'refresh',
      gateway_id: 'gw-1',
      connections: [{ connection_id: 'c-1', session_id: SESSION, user_id: 'u', rooms: ['general'] }],
      ttl_ms: 30_000,
      at: AT,
    });
    roundTrip(PresenceCountsReplySchema, { counts: { general: 3, tech: 0 } });
    expect(PresenceCountsReplySchema.safeParse({ counts: { 'Bad.Room': 1 } }).success).toBe(false);
    roundTrip(RoomPresenceResponseSchema, { room_id: 'general', users: ['a', 'b'], count: 2 });
  });

  it('health probe and instance health', () => {
    expect(HealthProbeRequestSchema.parse({})).toEqual({});
    roundTrip(InstanceHealthSchema, {
      service: 'gateway',
      instance_id: 'gw-1',
      version: '0.1.0',
      status: 'healthy',
      uptime_seconds: 10,
      components: { websocket: 'healthy', nats: 'healthy' },
      metrics: { active_connections: 5 },
    });
  });
});

describe('busReplySchema', () => {
  const Reply = busReplySchema(RoomAccessReplySchema);

  it('carries data or the one error shape', () => {
    roundTrip(Reply, { ok: true, data: { room_id: 'general', allowed: false, last_seq: 3 } });
    const error = errorData('ROOM_NOT_FOUND', 'Room not found', { field: 'room_id' });
    roundTrip(Reply, { ok: false, error });
    expect(ErrorDataSchema.parse(error)).toEqual(error);
  });

  it('rejects a success without valid data, or a failure without an error', () => {
    expect(Reply.safeParse({ ok: true, data: { room_id: 'general' } }).success).toBe(false);
    expect(Reply.safeParse({ ok: false }).success).toBe(false);
    expect(Reply.safeParse({ data: {} }).success).toBe(false);
  });
});
