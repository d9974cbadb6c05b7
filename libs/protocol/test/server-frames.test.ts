import { describe, expect, it } from 'vitest';

import {
  API_ERROR_CODES,
  CLOSE_CODES,
  DEFAULT_LIMITS,
  ERROR_CODES,
  ErrorDataSchema,
  HTTP_STATUS_FOR_ERROR,
  LimitsSchema,
  SERVER_MESSAGE_TYPES,
  ServerEnvelopeSchema,
  ServerMessageSchema,
  closeCodeInfo,
  errorData,
  serverEnvelope,
  shouldReconnect,
  toChatMessage,
  type StoredMessage,
} from '../src/index.js';

const SESSION = '550e8400-e29b-41d4-a716-446655440000';
const MESSAGE_ID = '6f1c2b7e-3d4a-4b5c-8d9e-0a1b2c3d4e5f';

const stored: StoredMessage = {
  message_id: MESSAGE_ID,
  room_id: 'general',
  seq: 7,
  session_id: SESSION,
  user_id: 'user123',
  content: 'Hello',
  client_msg_id: 'c-1',
  created_at: '2024-01-01T12:30:00.000Z',
};

const EVENT_ID = '7a1c2b7e-3d4a-4b5c-8d9e-0a1b2c3d4e5f';
const event = {
  event_id: EVENT_ID,
  room_id: 'general',
  seq: 9,
  message_id: MESSAGE_ID,
  user_id: 'user123',
  client_msg_id: 'e-1',
  created_at: '2024-01-01T12:31:00.000Z',
  timestamp: Date.parse('2024-01-01T12:31:00.000Z'),
};

describe('serverEnvelope', () => {
  it('stamps timestamp and metadata, and every frame it builds validates', () => {
    const frames = [
      serverEnvelope('system_message', SESSION, {
        action: 'welcome',
        session_id: SESSION,
        user_id: 'user123',
        heartbeat_interval_ms: DEFAULT_LIMITS.ping_interval_ms,
        limits: { ...DEFAULT_LIMITS },
        rooms: ['general'],
        room_name: 'general',
      }),
      serverEnvelope('system_message', SESSION, { action: 'room_joined', room_id: 'general', last_seq: 0 }),
      serverEnvelope('system_message', SESSION, { action: 'room_left', room_id: 'general' }),
      serverEnvelope('system_message', SESSION, { action: 'user_left', room_id: 'general', user_id: 'u' }),
      serverEnvelope('system_message', SESSION, { action: 'reconnect', retry_after_ms: 1_234 }),
      serverEnvelope('text_message', SESSION, toChatMessage(stored)),
      serverEnvelope('message_ack', SESSION, {
        client_msg_id: 'c-1',
        message_id: MESSAGE_ID,
        seq: 7,
        room_id: 'general',
        duplicate: false,
      }),
      serverEnvelope('message_ack', SESSION, {
        client_msg_id: null,
        message_id: MESSAGE_ID,
        seq: 7,
        room_id: 'general',
        duplicate: true,
      }),
      serverEnvelope('heartbeat', SESSION, { sequence: 42 }),
      serverEnvelope('heartbeat', SESSION, {}),
      serverEnvelope('error', SESSION, errorData('RATE_LIMIT_EXCEEDED', 'Slow down', { retry_after_ms: 200 })),
      serverEnvelope('message_edited', SESSION, { ...event, content: 'Hello again' }),
      serverEnvelope('message_deleted', SESSION, event),
      serverEnvelope('reaction_added', SESSION, { ...event, emoji: '👍' }),
      serverEnvelope('reaction_removed', SESSION, { ...event, emoji: ':tada:' }),
      serverEnvelope('event_ack', SESSION, {
        client_msg_id: 'e-1',
        type: 'reaction_added',
        event_id: EVENT_ID,
        message_id: MESSAGE_ID,
        seq: 9,
        room_id: 'general',
        duplicate: false,
      }),
      serverEnvelope('read_ack', SESSION, { room_id: 'general', read_seq: 7, unread: 0 }),
      serverEnvelope('read_receipt', SESSION, { room_id: 'general', user_id: 'bob', seq: 7 }),
      serverEnvelope('user_typing', SESSION, { room_id: 'general', user_id: 'bob' }),
    ];
    for (const frame of frames) {
      expect(frame.metadata).toEqual({ version: '1.0', source: 'server' });
      expect(Number.isInteger(frame.timestamp)).toBe(true);
      expect(ServerMessageSchema.parse(JSON.parse(JSON.stringify(frame)))).toEqual(frame);
      expect(ServerEnvelopeSchema.safeParse(frame).success).toBe(true);
    }
    expect(new Set(frames.map((f) => f.type))).toEqual(new Set(SERVER_MESSAGE_TYPES));
  });

  it('uses the given timestamp', () => {
    expect(serverEnvelope('heartbeat', SESSION, {}, 1_640_995_200_000).timestamp).toBe(1_640_995_200_000);
  });

  it('broadcast text_message never carries the stored session_id in data', () => {
    const frame = serverEnvelope('text_message', SESSION, toChatMessage(stored));
    expect(frame.data).not.toHaveProperty('session_id');
    expect(ServerMessageSchema.parse({ ...frame, data: { ...stored, timestamp: 1 } }).data).not.toHaveProperty('session_id');
  });

  it('text_message data carries the seed’s numeric ms timestamp beside created_at', () => {
    const frame = serverEnvelope('text_message', SESSION, toChatMessage(stored));
    expect(frame.data).toMatchObject({ created_at: '2024-01-01T12:30:00.000Z', timestamp: 1_704_112_200_000 });
    expect(ServerMessageSchema.safeParse({ ...frame, data: { ...frame.data, timestamp: undefined } }).success).toBe(false);
  });
});

describe('ServerMessageSchema is strict about the envelope', () => {
  const ok = serverEnvelope('heartbeat', SESSION, { sequence: 1 });
  it.each([
    ['timestamp missing', { ...ok, timestamp: undefined }],
    ['timestamp as ISO string', { ...ok, timestamp: '2024-01-01T00:00:00Z' }],
    ['session_id missing', { ...ok, session_id: undefined }],
    ['metadata missing', { ...ok, metadata: undefined }],
    ['source client', { ...ok, metadata: { version: '1.0', source: 'client' } }],
    ['version 2.0', { ...ok, metadata: { version: '2.0', source: 'server' } }],
    ['unknown system action', { ...ok, type: 'system_message', data: { action: 'dance' } }],
  ])('rejects %s', (_name, frame) => {
    expect(ServerMessageSchema.safeParse(frame).success).toBe(false);
  });

  it('accepts an unknown type through the generic envelope only', () => {
    const future = { ...ok, type: 'typing', data: { room_id: 'general' } };
    expect(ServerMessageSchema.safeParse(future).success).toBe(false);
    expect(ServerEnvelopeSchema.safeParse(future).success).toBe(true);
  });
});

describe('errors', () => {
  it('has the six seed codes, all included in the API codes, each with an HTTP status', () => {
    expect(ERROR_CODES).toEqual(['VALIDATION_ERROR', 'AUTHENTICATION_ERROR', 'RATE_LIMIT_EXCEEDED', 'ROOM_NOT_FOUND', 'PERMISSION_DENIED', 'INTERNAL_ERROR']);
    for (const code of ERROR_CODES) expect(API_ERROR_CODES).toContain(code);
    expect(Object.keys(HTTP_STATUS_FOR_ERROR).sort()).toEqual([...API_ERROR_CODES].sort());
    expect(HTTP_STATUS_FOR_ERROR).toMatchObject({
      VALIDATION_ERROR: 400,
      AUTHENTICATION_ERROR: 401,
      PERMISSION_DENIED: 403,
      ROOM_NOT_FOUND: 404,
      RATE_LIMIT_EXCEEDED: 429,
      INTERNAL_ERROR: 500,
      SERVICE_UNAVAILABLE: 503,
    });
    expect(Object.isFrozen(HTTP_STATUS_FOR_ERROR)).toBe(true);
  });

  it('keeps unknown detail keys and rejects unknown codes', () => {
    const body = { error_code: 'CONFLICT', error_message: 'exists', details: { field: 'room_id', hint: 'x' } };
    expect(ErrorDataSchema.parse(body)).toEqual(body);
    expect(ErrorDataSchema.safeParse({ ...body, error_code: 'TEAPOT' }).success).toBe(false);
    expect(errorData('INTERNAL_ERROR', 'Internal error')).toEqual({
      error_code: 'INTERNAL_ERROR',
      error_message: 'Internal error',
    });
  });
});

describe('close codes', () => {
  const entries = Object.values(CLOSE_CODES);

  it('has unique codes with reasons of at most 123 bytes', () => {
    expect(new Set(entries.map((e) => e.code)).size).toBe(entries.length);
    for (const entry of entries) expect(new TextEncoder().encode(entry.reason).length).toBeLessThanOrEqual(123);
  });

  it('says which codes are terminal', () => {
    const reconnect = Object.fromEntries(entries.map((e) => [e.code, shouldReconnect(e.code)]));
    expect(reconnect).toEqual({
      1000: false,
      1001: true,
      1007: false,
      1008: false,
      1009: false,
      1011: true,
      1012: true,
      1013: true,
      4401: false,
      4403: false,
      4408: true,
      4429: true,
    });
  });

  it('reconnects on codes outside the table (e.g. 1006 abnormal closure)', () => {
    expect(shouldReconnect(1006)).toBe(true);
    expect(closeCodeInfo(1006)).toBeUndefined();
    expect(closeCodeInfo(4401)?.name).toBe('authentication_failed');
  });
});

describe('limits', () => {
  it('defaults are frozen, valid and as designed', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
    expect(LimitsSchema.parse(DEFAULT_LIMITS)).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toMatchObject({
      max_frame_bytes: 65_536,
      max_content_chars: 4_000,
      max_json_depth: 8,
      session_ttl_ms: 24 * 60 * 60 * 1_000,
      history_page_max: 100,
    });
  });

  it('rejects non-positive or fractional limits', () => {
    expect(LimitsSchema.safeParse({ ...DEFAULT_LIMITS, max_json_depth: 0 }).success).toBe(false);
    expect(LimitsSchema.safeParse({ ...DEFAULT_LIMITS, message_rate_per_sec: 2.5 }).success).toBe(false);
  });
});
