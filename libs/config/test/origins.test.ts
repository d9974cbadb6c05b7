import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { corsOrigins, loadConfig, originFields } from '../src/index.js';

const schema = z.object(originFields);

describe('browser origins', () => {
  it('CORS follows the WebSocket allow-list unless CORS_ORIGINS is set', () => {
    const same = loadConfig(schema, { WS_ALLOWED_ORIGINS: 'http://127.0.0.1:8080, http://localhost:5173' });
    expect(corsOrigins(same)).toEqual(['http://127.0.0.1:8080', 'http://localhost:5173']);
    const own = loadConfig(schema, { WS_ALLOWED_ORIGINS: 'http://127.0.0.1:8080', CORS_ORIGINS: 'https://app.example.com' });
    expect(corsOrigins(own)).toEqual(['https://app.example.com']);
    expect(corsOrigins(loadConfig(schema, {}))).toEqual([]);
  });
});
