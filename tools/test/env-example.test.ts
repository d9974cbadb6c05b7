import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_EXAMPLE_PATH, renderEnvExample } from '../dev/env-example.js';

const committed = readFileSync(ENV_EXAMPLE_PATH, 'utf8');
const listed = new Set([...committed.matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));

describe('.env.example', () => {
  it('is what `npm run env:example` renders from the config schemas now (run it after changing one)', () => {
    expect(committed).toBe(renderEnvExample());
  });

  it('lists every setting of every service schema, with the default the schema gives', () => {
    // A key read nowhere else would still be caught by the comparison above; this names the gap.
    for (const key of ['PORT', 'DATABASE_URL', 'WS_MAX_CONTENT_CHARS', 'PRESENCE_SWEEP_BATCH', 'CORS_ORIGINS', 'REDIS_KEY_PREFIX'])
      expect(listed).toContain(key);
    expect(committed).toContain('# ---- gateway ----\n# PORT=3000\n');
    expect(committed).toContain('# WS_MAX_PAYLOAD_BYTES=65536\n');
  });

  it("lists every variable npm start's own scripts read (tools/dev)", () => {
    const dir = new URL('../dev/', import.meta.url);
    const read = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(new URL(f, dir), 'utf8').matchAll(/(?:env\[|count\()['"]([A-Z][A-Z0-9_]*)['"]/g)].map((m) => m[1]!));
    expect(read.length).toBeGreaterThan(5);
    expect([...new Set(read)].filter((name) => !listed.has(name))).toEqual([]);
  });

  it('lists every variable docker-compose.yml substitutes', () => {
    const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    const substituted = [...new Set([...compose.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!))];
    expect(substituted.filter((name) => !listed.has(name))).toEqual([]);
  });
});
