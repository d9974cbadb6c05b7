import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  DEFAULT_LIMITS,
  MessagesPageSchema,
  RoomPresenceResponseSchema,
  SERVER_MESSAGE_TYPES,
  ServerEnvelopeSchema,
  ServerMessageSchema,
  SystemMessageDataSchema,
  errorData,
  serverEnvelope,
  type ChatMessage,
} from '@parley/protocol';

import { OUTPUT, generateProtocolSchemas } from '../scripts/generate-schemas.js';
import { decodeServerFrame } from '../src/frames.js';
import { MESSAGES_PAGE, ROOM_PRESENCE } from '../src/generated/protocol-schemas.js';
import { checkSchema } from '../src/schema-check.js';

/**
 * The SDK validates server frames with JSON Schemas generated from @parley/protocol and a small
 * checker instead of zod. These tests keep the two paths one: the committed schemas are what the
 * generator makes from today's protocol, and on valid frames and on every single-field mutation
 * of them the checker gives zod's verdict.
 */

const SESSION = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const OTHER = '0b1c2d3e-4a5b-4c6d-9e7f-9a0b1c2d3e4f';
const AT = '2026-12-03T10:00:00.000Z';

const chat: ChatMessage = {
  message_id: OTHER,
  room_id: 'general',
  seq: 3,
  user_id: 'alice',
  content: 'hi',
  client_msg_id: 'c-1',
  created_at: AT,
  timestamp: Date.parse(AT),
};

/** One valid frame of every type and system action the protocol defines. */
const VALID = [
  serverEnvelope('system_message', SESSION, {
    action: 'welcome',
    session_id: SESSION,
    user_id: 'alice',
    heartbeat_interval_ms: 25_000,
    limits: { ...DEFAULT_LIMITS },
    rooms: ['general'],
    room_name: 'general',
    unread: { general: 2 },
    read_seq: { general: 1 },
  }),
  serverEnvelope('system_message', SESSION, { action: 'user_joined', user_id: 'bob', room_id: 'general' }),
  serverEnvelope('system_message', SESSION, { action: 'user_left', user_id: 'bob', room_id: 'general' }),
  serverEnvelope('system_message', SESSION, { action: 'room_joined', room_id: 'general', last_seq: 0 }),
  serverEnvelope('system_message', SESSION, { action: 'room_left', room_id: 'general', reason: 'removed' }),
  serverEnvelope('system_message', SESSION, { action: 'reconnect', retry_after_ms: 500, reason: 'drain' }),
  serverEnvelope('system_message', SESSION, { action: 'token_expiring', expires_in_ms: 1_000 }),
  serverEnvelope('system_message', SESSION, { action: 'token_refreshed', expires_in_ms: 60_000 }),
  serverEnvelope('text_message', SESSION, chat),
  serverEnvelope('text_message', SESSION, { ...chat, client_msg_id: null }),
  serverEnvelope('message_ack', SESSION, { client_msg_id: 'c-1', message_id: OTHER, seq: 3, room_id: 'general', duplicate: false }),
  serverEnvelope('heartbeat', SESSION, { sequence: 7 }),
  serverEnvelope('heartbeat', SESSION, {}),
  serverEnvelope('error', SESSION, errorData('RATE_LIMIT_EXCEEDED', 'Slow down', { retry_after_ms: 200, client_msg_id: 'c-1', extra: 1 })),
  serverEnvelope('system_message', SESSION, { action: 'room_joined', room_id: 'general', last_seq: 3, read_seq: 1, unread: 2 }),
  serverEnvelope('read_ack', SESSION, { room_id: 'general', read_seq: 3, unread: 0 }),
  serverEnvelope('read_receipt', SESSION, { room_id: 'general', user_id: 'bob', seq: 3 }),
  serverEnvelope('user_typing', SESSION, { room_id: 'general', user_id: 'bob' }),
];

const REPLACEMENTS: readonly unknown[] = [
  undefined,
  null,
  '',
  'x',
  'General!',
  -1,
  0,
  1.5,
  2 ** 53,
  true,
  {},
  [],
  SESSION,
  'not-a-uuid',
  '2026-13-40',
  'NOT_A_CODE',
];

/** Every value at a leaf or inner path of `value`, as a path of keys. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((key) => paths((value as Record<string, unknown>)[key as string], [...prefix, key]))];
}

function mutate(frame: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(frame) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (replacement === undefined && !Array.isArray(node)) delete node[last];
  else node[last] = replacement;
  return copy;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(SERVER_MESSAGE_TYPES);
const KNOWN_ACTIONS: ReadonlySet<string> = new Set(SystemMessageDataSchema.options.map((o) => o.shape.action.value));

/** What the SDK decided with zod before (envelope, additive types and actions, then the full schema). */
function zodVerdict(frame: unknown): 'message' | 'ignored' | 'invalid' {
  const envelope = ServerEnvelopeSchema.safeParse(frame);
  if (!envelope.success) return 'invalid';
  const { type, data } = envelope.data;
  if (!KNOWN_TYPES.has(type)) return 'ignored';
  const action: unknown = type === 'system_message' && typeof data === 'object' && data !== null ? (data as { action?: unknown }).action : undefined;
  if (typeof action === 'string' && !KNOWN_ACTIONS.has(action)) return 'ignored';
  return ServerMessageSchema.safeParse(frame).success ? 'message' : 'invalid';
}

describe('generated protocol schemas', () => {
  it('are committed as the generator makes them from the protocol today', () => {
    // On failure: npm run generate -w @parley/client, and commit src/generated/protocol-schemas.ts.
    expect(readFileSync(OUTPUT, 'utf8')).toBe(generateProtocolSchemas());
  });
});

describe('schema-check agrees with zod', () => {
  it('accepts every valid server frame', () => {
    for (const frame of VALID) {
      expect(zodVerdict(frame)).toBe('message');
      expect(decodeServerFrame(JSON.stringify(frame))).toEqual({ kind: 'message', message: frame });
    }
  });

  it('on every single-field mutation of every frame type', () => {
    let compared = 0;
    const verdicts = { message: 0, ignored: 0, invalid: 0 };
    for (const frame of VALID) {
      for (const path of paths(frame).filter((p) => p.length > 0)) {
        for (const replacement of REPLACEMENTS) {
          const mutated = mutate(frame, path, replacement);
          const expected = zodVerdict(mutated);
          const got = decodeServerFrame(JSON.stringify(mutated)).kind;
          if (got !== expected) expect({ path, replacement, got }).toEqual({ path, replacement, got: expected });
          verdicts[expected] += 1;
          compared += 1;
        }
      }
    }
    console.log(`schema-check: ${compared} mutated frames, same verdict as zod`, verdicts);
    // The mutations must exercise both answers, or the comparison proves nothing.
    expect(verdicts.invalid).toBeGreaterThan(1_000);
    expect(verdicts.message).toBeGreaterThan(100);
    expect(verdicts.ignored).toBeGreaterThan(0);
  });

  it('on REST replies: a history page and room presence', () => {
    const page = { messages: [chat, { ...chat, seq: 4, client_msg_id: null }], has_more: true, next_before_seq: 3 };
    const presence = { room_id: 'general', users: ['alice', 'bob'], count: 2 };
    for (const [schema, zod, valid] of [
      [MESSAGES_PAGE, MessagesPageSchema, page],
      [ROOM_PRESENCE, RoomPresenceResponseSchema, presence],
    ] as const) {
      for (const path of paths(valid)) {
        for (const replacement of REPLACEMENTS) {
          const sample = path.length === 0 ? replacement : mutate(valid, path, replacement);
          expect({ path, replacement, ok: checkSchema(schema, sample) === undefined }).toEqual({
            path,
            replacement,
            ok: zod.safeParse(sample).success,
          });
        }
      }
    }
  });

  it('names the offending field', () => {
    const frame = mutate(VALID[8], ['data', 'seq'], 0);
    expect(decodeServerFrame(JSON.stringify(frame))).toEqual({ kind: 'invalid', issue: 'data.seq: expected >= 1' });
  });
});
