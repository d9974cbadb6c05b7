import { describe, expect, it } from 'vitest';

import { RoomIdSchema, exceedsJsonDepth, parseClientFrame, type ParseClientFrameResult } from '../src/index.js';

const text = (data: Record<string, unknown>) => JSON.stringify({ type: 'text_message', data });

/** Asserts a VALIDATION_ERROR naming `field` (and `issue`, when given). */
function expectInvalid(result: ParseClientFrameResult, field: string, issue?: string | RegExp) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.error_code).toBe('VALIDATION_ERROR');
  expect(result.error.error_message).toBe('Invalid message format');
  expect(result.error.details?.field).toBe(field);
  if (typeof issue === 'string') expect(result.error.details?.issue).toBe(issue);
  else if (issue) expect(result.error.details?.issue).toMatch(issue);
}

describe('parseClientFrame: text_message content', () => {
  it('rejects empty and whitespace-only content with the seed wording', () => {
    for (const content of ['', '   ', '\n\t ', '\u2028', ' \u00a0\u3000 ']) {
      expectInvalid(parseClientFrame(text({ content, room_id: 'general' })), 'content', 'Message content cannot be empty');
    }
  });

  it('keeps content exactly as sent: surrounding spaces and a trailing U+2028 survive', () => {
    for (const content of ['  hi  ', 'hi\u2028', '\n\tindented\n']) {
      const result = parseClientFrame(text({ content, room_id: 'general' }));
      expect(result.ok && result.message.type === 'text_message' && result.message.data.content).toBe(content);
    }
  });

  it('accepts 4,000 characters and rejects 4,001', () => {
    expect(parseClientFrame(text({ content: 'a'.repeat(4_000), room_id: 'general' })).ok).toBe(true);
    expectInvalid(parseClientFrame(text({ content: 'a'.repeat(4_001), room_id: 'general' })), 'content', 'Message content must be at most 4000 characters');
  });

  it('counts code points, not UTF-16 units', () => {
    // 4,000 emoji are 8,000 UTF-16 code units but 4,000 characters.
    expect(parseClientFrame(text({ content: '😀'.repeat(4_000), room_id: 'general' })).ok).toBe(true);
    expectInvalid(parseClientFrame(text({ content: '😀'.repeat(4_001), room_id: 'general' })), 'content');
  });

  it('rejects NUL and lone surrogates, which storage cannot keep', () => {
    expectInvalid(parseClientFrame('{"type":"text_message","data":{"content":"a\\u0000b","room_id":"general"}}'), 'content');
    expectInvalid(parseClientFrame('{"type":"text_message","data":{"content":"a\\ud800b","room_id":"general"}}'), 'content');
  });

  it('names a missing or mistyped content', () => {
    expectInvalid(parseClientFrame(text({ room_id: 'general' })), 'content', 'Message content is required');
    expectInvalid(parseClientFrame(text({ content: 42, room_id: 'general' })), 'content', 'Message content must be a string');
  });
});

describe('parseClientFrame: room ids', () => {
  const bad = ['gen.eral', 'a*', 'a>', '>', 'General', 'a'.repeat(65), '', '-lead', '_lead', 'sp ace', 'ünï'];
  it.each(bad)('rejects room id %j', (room_id) => {
    expectInvalid(parseClientFrame(text({ content: 'hi', room_id })), 'room_id', /\^\[a-z0-9\]/);
    expect(RoomIdSchema.safeParse(room_id).success).toBe(false);
  });

  it('accepts slugs up to 64 characters', () => {
    for (const room_id of ['general', '0', 'a-b_c', 'a'.repeat(64)]) {
      expect(parseClientFrame(text({ content: 'hi', room_id })).ok).toBe(true);
    }
  });

  it('validates join_room and leave_room room ids too', () => {
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'join_room', data: { room_id: 'a.b' } })), 'room_id');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'leave_room', data: { room_id: 'A' } })), 'room_id');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'join_room', data: { room_id: 'a', since_seq: -1 } })), 'since_seq');
  });
});

describe('parseClientFrame: envelope', () => {
  it('rejects non-JSON with field "$"', () => {
    for (const raw of ['', 'hello', '{"type":', "{'type':'heartbeat'}", '\u0000']) {
      expectInvalid(parseClientFrame(raw), '$', 'Frame is not valid JSON');
    }
  });

  it('rejects non-objects and a missing or non-string type with field "type"', () => {
    for (const raw of ['null', '42', '"text_message"', '[]', '[{"type":"heartbeat"}]']) {
      expectInvalid(parseClientFrame(raw), 'type');
    }
    expectInvalid(parseClientFrame('{"data":{}}'), 'type', 'Message type is required');
    expectInvalid(parseClientFrame('{"type":7}'), 'type', 'Message type must be a string');
  });

  it('rejects an unknown type, naming the allowed types', () => {
    for (const type of ['chat', 'system_message', 'message_ack', 'TEXT_MESSAGE', '__proto__']) {
      expectInvalid(
        parseClientFrame(JSON.stringify({ type, data: {} })),
        'type',
        'Unknown message type; expected one of: text_message, heartbeat, join_room, leave_room, refresh, edit_message, delete_message, add_reaction, remove_reaction, mark_read, typing',
      );
    }
  });

  it('reports wrong field types with the path relative to data', () => {
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'heartbeat', data: { sequence: '1' } })), 'sequence');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'heartbeat', data: { sequence: 1.5 } })), 'sequence');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'heartbeat', data: { sequence: -1 } })), 'sequence');
    expectInvalid(parseClientFrame(text({ content: 'hi', room_id: 'general', client_msg_id: 'a b' })), 'client_msg_id');
    expectInvalid(parseClientFrame(text({ content: 'hi', room_id: 'general', user_id: '   ' })), 'user_id');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'text_message' })), 'data');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'text_message', data: 'hi' })), 'data');
  });

  it('reports envelope fields by their own path', () => {
    const data = { content: 'hi', room_id: 'general' };
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'text_message', data, timestamp: 'now' })), 'timestamp');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'text_message', data, session_id: 'x' })), 'session_id');
    const metadata = { version: '1.0', source: 'server' };
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'text_message', data, metadata })), 'metadata.source');
  });

  it('drops unknown keys instead of failing (additive protocol)', () => {
    const result = parseClientFrame(JSON.stringify({ type: 'leave_room', data: { room_id: 'a', extra: 1 }, extra: 2 }));
    expect(result).toEqual({ ok: true, message: { type: 'leave_room', data: { room_id: 'a' } } });
  });

  it('accepts a heartbeat with or without data', () => {
    expect(parseClientFrame('{"type":"heartbeat"}')).toEqual({ ok: true, message: { type: 'heartbeat' } });
    expect(parseClientFrame('{"type":"heartbeat","data":{"sequence":0}}')).toEqual({
      ok: true,
      message: { type: 'heartbeat', data: { sequence: 0 } },
    });
  });

  it('mark_read needs a non-negative integer seq; typing only a room', () => {
    expect(parseClientFrame('{"type":"mark_read","data":{"room_id":"general","seq":0}}')).toEqual({
      ok: true,
      message: { type: 'mark_read', data: { room_id: 'general', seq: 0 } },
    });
    expectInvalid(parseClientFrame('{"type":"mark_read","data":{"room_id":"general","seq":-1}}'), 'seq');
    expectInvalid(parseClientFrame('{"type":"mark_read","data":{"room_id":"general"}}'), 'seq');
    expect(parseClientFrame('{"type":"typing","data":{"room_id":"general"}}')).toEqual({ ok: true, message: { type: 'typing', data: { room_id: 'general' } } });
    expectInvalid(parseClientFrame('{"type":"typing","data":{}}'), 'room_id');
  });

  it('does not let a __proto__ payload pollute Object.prototype', () => {
    const raw =
      '{"type":"text_message","__proto__":{"polluted":true},' + '"data":{"content":"hi","room_id":"general","__proto__":{"polluted":true,"isAdmin":true}}}';
    const result = parseClientFrame(raw);
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    if (!result.ok) return;
    expect(Object.getPrototypeOf(result.message)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(result.message.data)).toBe(Object.prototype);
    expect(Object.keys(result.message.data ?? {})).toEqual(['content', 'room_id']);
    expect((result.message.data as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });
});

describe('parseClientFrame: nesting depth', () => {
  const nested = (depth: number) => '['.repeat(depth - 2) + '1' + ']'.repeat(depth - 2);
  // The outer object and `data` are two levels; the extra key (dropped later) adds the rest.
  const frameOfDepth = (depth: number) => `{"type":"heartbeat","data":{"sequence":1,"x":${nested(depth)}}}`;

  it('accepts depth 8 and rejects depth 9', () => {
    expect(parseClientFrame(frameOfDepth(8)).ok).toBe(true);
    expectInvalid(parseClientFrame(frameOfDepth(9)), '$', 'JSON nesting exceeds the maximum depth of 8');
  });

  it('honours a configured depth', () => {
    expect(parseClientFrame(frameOfDepth(3), { max_json_depth: 3 }).ok).toBe(true);
    expectInvalid(parseClientFrame(frameOfDepth(4), { max_json_depth: 3 }), '$');
  });

  it('rejects 64 KiB of [ without throwing', () => {
    const raw = '['.repeat(65_536);
    expect(() => parseClientFrame(raw)).not.toThrow();
    expectInvalid(parseClientFrame(raw), '$', /depth/);
    expectInvalid(parseClientFrame('{'.repeat(65_536)), '$', /depth/);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const content = '[[[[[[[[[[{{{{{{{{{{ \\" [[[[[[[[[[';
    const raw = `{"type":"text_message","data":{"content":"${content}","room_id":"general"}}`;
    expect(exceedsJsonDepth(raw, 2)).toBe(false);
    expect(parseClientFrame(raw).ok).toBe(true);
    expect(exceedsJsonDepth('{"a":"\\\\"}', 1)).toBe(false);
    expect(exceedsJsonDepth('{"a":"\\\\","b":[]}', 1)).toBe(true);
  });

  it('never throws on hostile input', () => {
    const inputs = ['\ud800', '"', '\\', ']]]]', '}{', '{"type":"text_message","data":{"content":"\\', 'x'.repeat(70_000)];
    for (const raw of inputs) expect(() => parseClientFrame(raw)).not.toThrow();
  });
});

describe('parseClientFrame: durable events', () => {
  const target = { room_id: 'general', message_id: '6f1c2b7e-3d4a-4b5c-8d9e-0a1b2c3d4e5f', client_msg_id: 'e-1' };

  it('accepts edit_message, delete_message, add_reaction and remove_reaction', () => {
    for (const [type, data] of [
      ['edit_message', { ...target, content: 'fixed' }],
      ['delete_message', target],
      ['add_reaction', { ...target, emoji: '👍🏽' }],
      ['remove_reaction', { ...target, emoji: ':tada:' }],
    ] as const) {
      const result = parseClientFrame(JSON.stringify({ type, data }));
      expect(result.ok, type).toBe(true);
      if (result.ok) expect(result.message).toMatchObject({ type, data });
    }
  });

  it('names the bad field: a message id that is not a UUID, empty content, an emoji with a space', () => {
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'delete_message', data: { ...target, message_id: '7' } })), 'message_id');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'edit_message', data: { ...target, content: ' ' } })), 'content', 'Message content cannot be empty');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'add_reaction', data: { ...target, emoji: 'a b' } })), 'emoji');
    expectInvalid(parseClientFrame(JSON.stringify({ type: 'remove_reaction', data: target })), 'emoji');
  });
});
