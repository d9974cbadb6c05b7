import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; command?: string[]; ports?: string[] }>;
};

const keysIn = (path: string) => [...readFileSync(new URL(path, root), 'utf8').matchAll(/^\s{2,4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);

/**
 * The env names a service reads: its config.ts schema's UPPER_SNAKE keys, plus the settings every
 * service shares (serviceFields, and authFields where the service spreads them).
 */
function configKeys(service: string): Set<string> {
  const source = readFileSync(new URL(`services/${service}/src/config.ts`, root), 'utf8');
  const isAuth = (key: string) => key === 'AUTH_REQUIRED' || key.startsWith('JWT_');
  const shared = keysIn('libs/config/src/service.ts').filter((key) => !isAuth(key) || source.includes('authFields'));
  if (source.includes('...originFields')) shared.push(...keysIn('libs/config/src/origins.ts'));
  return new Set([...keysIn(`services/${service}/src/config.ts`), ...shared]);
}

describe('docker-compose.yml stays in step with the services', () => {
  it.each([
    ['api', 'api'],
    ['migrate', 'api'],
    ['gateway', 'gateway'],
    ['presence', 'presence'],
  ])('%s sets only variables that %s/src/config.ts reads', (name, service) => {
    const env = Object.keys(compose.services[name]?.environment ?? {});
    expect(env.length).toBeGreaterThan(0);
    const known = configKeys(service);
    expect(env.filter((key) => !known.has(key))).toEqual([]);
  });

  it('runs each service from its build output, and publishes no host port on scaled services', () => {
    for (const name of ['api', 'gateway', 'presence']) {
      expect(compose.services[name]?.command).toEqual(['node', `services/${name}/dist/main.js`]);
      expect(compose.services[name]?.ports).toBeUndefined();
    }
  });
});
