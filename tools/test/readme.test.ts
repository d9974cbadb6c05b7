import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const readme = read('README.md');
const keysIn = (path: string) => [...read(path).matchAll(/^\s{2,4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);

describe('README.md stays true', () => {
  it.each(['libs/config/src/service.ts', 'services/api/src/config.ts', 'services/gateway/src/config.ts', 'services/presence/src/config.ts'])(
    'documents every setting in %s',
    (path) => {
      const keys = keysIn(path);
      expect(keys.length).toBeGreaterThan(3);
      expect(keys.filter((key) => !readme.includes(`\`${key}\``))).toEqual([]);
    },
  );

  it('documents the browser origins (libs/config/src/origins.ts)', () => {
    expect(keysIn('libs/config/src/origins.ts')).toEqual(['WS_ALLOWED_ORIGINS', 'CORS_ORIGINS']);
    for (const key of ['WS_ALLOWED_ORIGINS', 'CORS_ORIGINS']) expect(readme).toContain(`\`${key}\``);
  });

  it('gives the start and test commands on its first screen, and they exist', () => {
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    expect(firstScreen).toContain('npm start');
    expect(firstScreen).toContain('npm test');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start']).toBeDefined();
    expect(scripts['test']).toBe('nx run-many -t test --outputStyle=stream');
    expect(read('.ci/run')).toContain('npm test');
  });
});
