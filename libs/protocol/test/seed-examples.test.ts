import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

import {
  ClientHeartbeatSchema,
  ClientTextMessageSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  ErrorMessageSchema,
  HealthResponseSchema,
  JoinRoomRequestSchema,
  JoinRoomResponseSchema,
  ListRoomsQuerySchema,
  ListRoomsResponseSchema,
  ServerMessageSchema,
  SessionResponseSchema,
  SystemMessageSchema,
  parseClientFrame,
} from '../src/index.js';

/**
 * The seed contract (docs/spec/seed-api.md) is the source of truth: every ```json example in it
 * must validate, verbatim, against the schema for what it shows.
 */
const SEED = readFileSync(new URL('../../../docs/spec/seed-api.md', import.meta.url), 'utf8');

interface Block {
  /** "<nearest heading> / <label line right above the fence>", e.g. "Join Room / Response". */
  name: string;
  text: string;
}

function jsonBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  let label = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('```')) {
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !(lines[j] ?? '').startsWith('```')) body.push(lines[j++] ?? '');
      if (line.trim() === '```json') blocks.push({ name: `${heading} / ${label}`, text: body.join('\n') });
      i = j;
    } else if (line.startsWith('#')) {
      heading = line.replace(/^#+\s*/, '').trim();
    } else if (line.trim() !== '') {
      label = line
        .replace(/^\d+\.\s*/, '')
        .replaceAll('**', '')
        .replace(/:$/, '')
        .trim();
    }
  }
  return blocks;
}

/** Validates the block as a client frame through the real edge parser, and against its schema. */
function clientFrame(schema: z.ZodType) {
  return (text: string) => {
    const result = parseClientFrame(text);
    expect(result).toMatchObject({ ok: true });
    expect(schema.parse(JSON.parse(text))).toEqual(JSON.parse(text));
  };
}

/**
 * Validates the block against `schema`, and checks nothing in it was dropped or changed (fields
 * Parley added later, filled by their defaults, may appear beside the seed's).
 */
function exact(...schemas: z.ZodType[]) {
  return (text: string) => {
    const json = JSON.parse(text) as object;
    for (const schema of schemas) expect(schema.parse(json)).toMatchObject(json);
  };
}

const VALIDATORS: Record<string, (text: string) => void> = {
  'Message Format Specification / Text Messages': clientFrame(ClientTextMessageSchema),
  'Message Format Specification / System Messages': exact(SystemMessageSchema, ServerMessageSchema),
  'Message Format Specification / Heartbeat Messages': clientFrame(ClientHeartbeatSchema),
  'Error Handling and Recovery / Error Response Format': exact(ErrorMessageSchema, ServerMessageSchema),
  'Health Check Endpoint / Response Format': exact(HealthResponseSchema),
  'Create Session / Request Body': exact(CreateSessionRequestSchema),
  'Create Session / Response': exact(CreateSessionResponseSchema),
  'Retrieve Session / Response': exact(SessionResponseSchema),
  'List Available Rooms / Response': exact(ListRoomsResponseSchema),
  'Join Room / Request Body': exact(JoinRoomRequestSchema),
  'Join Room / Response': exact(JoinRoomResponseSchema),
};

/**
 * Blocks that are not JSON and so cannot be validated. "Message Structure" is a template: it
 * has `// Message-specific payload` comments and `"client|server"` placeholders. Every field it
 * names is covered by the concrete examples that follow it.
 */
const EXCLUDED = ['Message Format Specification / Message Structure'];

describe('seed-api.md json examples', () => {
  const blocks = jsonBlocks(SEED);

  it('has exactly the 12 json blocks we know, each either validated or excluded', () => {
    expect(blocks).toHaveLength(12);
    const names = blocks.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !(n in VALIDATORS))).toEqual(EXCLUDED);
    expect(Object.keys(VALIDATORS).filter((n) => !names.includes(n))).toEqual([]);
  });

  it('excludes only the block that is not JSON', () => {
    for (const block of blocks) {
      const isJson = (() => {
        try {
          JSON.parse(block.text);
          return true;
        } catch {
          return false;
        }
      })();
      expect({ name: block.name, isJson }).toEqual({ name: block.name, isJson: !EXCLUDED.includes(block.name) });
    }
  });

  for (const block of blocks.filter((b) => !EXCLUDED.includes(b.name))) {
    it(`validates "${block.name}" verbatim`, () => {
      const validate = VALIDATORS[block.name];
      expect(validate).toBeDefined();
      validate?.(block.text);
    });
  }

  it('documents limit default 50 and offset default 0 for room listing', () => {
    expect(ListRoomsQuerySchema.parse({})).toEqual({ limit: 50, offset: 0 });
  });
});

describe("seed's JavaScript client examples", () => {
  it('still send the frames tested here', () => {
    expect(SEED).toMatch(/type: 'text_message',\s*data: \{ content, room_id: 'general' \}/);
    expect(SEED.match(/type: 'heartbeat',\s*timestamp: Date\.now\(\)/g)).toHaveLength(2);
  });

  it('text_message with only content and room_id parses', () => {
    const content = 'Hello from React';
    const result = parseClientFrame(JSON.stringify({ type: 'text_message', data: { content, room_id: 'general' } }));
    expect(result).toEqual({
      ok: true,
      message: { type: 'text_message', data: { content, room_id: 'general' } },
    });
  });

  it('heartbeat with only a timestamp parses', () => {
    const timestamp = Date.now();
    const result = parseClientFrame(JSON.stringify({ type: 'heartbeat', timestamp }));
    expect(result).toEqual({ ok: true, message: { type: 'heartbeat', timestamp } });
  });
});
