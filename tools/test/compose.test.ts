import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
interface ComposeFile {
  services: Record<string, { environment?: Record<string, string>; command?: string[]; ports?: string[]; profiles?: string[]; volumes?: string[] }>;
}
const read = (file: string) => parse(readFileSync(new URL(file, root), 'utf8'), { merge: true }) as ComposeFile;
const compose = read('docker-compose.yml');

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

describe('docker-compose.yml publishes only the edge by default', () => {
  it('gives a host port to the edge alone; the infrastructure’s ports are in the opt-in override', () => {
    const published = Object.entries(compose.services)
      .filter(([, service]) => service.ports !== undefined && service.profiles === undefined)
      .map(([name]) => name);
    expect(published).toEqual(['edge']);
    const override = read('docker-compose.host-ports.yml');
    expect(Object.keys(override.services).sort()).toEqual(['nats', 'postgres', 'redis']);
    for (const service of Object.values(override.services)) expect(service.ports?.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
  });

  it('adds Prometheus and Grafana only with the observability profile, mounting files that exist', () => {
    const observability = Object.entries(compose.services)
      .filter(([, s]) => s.profiles?.includes('observability'))
      .map(([name]) => name);
    expect(observability.sort()).toEqual(['grafana', 'prometheus']);
    for (const name of observability) {
      for (const volume of compose.services[name]?.volumes ?? []) {
        expect(existsSync(new URL(volume.split(':')[0]!, root)), volume).toBe(true);
      }
    }
    const scrape = readFileSync(new URL('deploy/prometheus/prometheus.yml', root), 'utf8');
    expect(scrape).toMatch(/names: \[api, gateway, presence\]/);
  });
});
