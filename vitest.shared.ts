import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';

type ServiceName = 'postgres' | 'redis' | 'nats';

/** Test files that talk to a real server, so they cannot run where an embedded backend stands in for it. */
export interface RealServerFiles {
  /** A path relative to the project, or a glob of them (`*` within a name, `**` across directories). */
  files: string;
  needs: ServiceName[];
  /** Printed when the files are skipped: what about the real server they test. */
  why: string;
}

export interface ProjectConfigOptions {
  /** Real services this project's tests talk to; resolved once per run by libs/testing's globalSetup. */
  services?: ServiceName[];
  /** Files left out (each named on stderr with its reason) when a service they need is embedded in this run. */
  realServers?: RealServerFiles[];
  test?: ViteUserConfig['test'];
}

// Vitest hands these to Node as --conditions too. `module` is a bundler-only condition: with it,
// Node loads @opentelemetry/api's extensionless ESM build and fails. Node itself never uses it.
const CONDITIONS = ['@parley/source', ...defaultServerConditions.filter((c) => c !== 'module')];

const GLOBAL_SETUP = fileURLToPath(new URL('./libs/testing/src/global-setup.ts', import.meta.url));

const LABEL: Record<ServiceName, string> = { postgres: 'PostgreSQL', redis: 'Redis', nats: 'NATS' };

/**
 * One vitest config for every project: resolve workspace libs to their TypeScript sources
 * (the `@parley/source` export condition) so tests never need a build first.
 * Keep vite's default conditions after ours: a hand-written list that includes `import`
 * makes CJS packages such as `ws` resolve to their ESM wrapper and break.
 *
 * A project with services decides here, before files are collected, where each comes from
 * (libs/testing's planBackends); files under `realServers` that need one that is embedded in
 * this run are left out, each named on stderr with its reason, never silently.
 */
export async function defineProjectConfig({ services = [], realServers = [], test = {} }: ProjectConfigOptions = {}): Promise<ViteUserConfig> {
  let servicesConfig: NonNullable<ViteUserConfig['test']> = {};
  if (services.length > 0) {
    // Loaded only here: projects without services never pay for the drivers and testcontainers.
    const { planBackends, report } = await import('./libs/testing/src/resolve.js');
    const plan = await planBackends(services);
    const embedded = new Set(plan.filter((p) => p.source === 'embedded').map((p) => p.name));
    const skipped = realServers.filter((entry) => entry.needs.some((name) => embedded.has(name)));
    // A file named by several entries is reported once, with the first (most specific) reason.
    const reported = new Set<string>();
    for (const entry of skipped) {
      const missing = entry.needs.filter((name) => embedded.has(name)).map((name) => LABEL[name]);
      for (const file of matching(entry.files).filter((f) => !reported.has(f))) {
        reported.add(file);
        report(`skipped ${file}: needs a real ${listed(missing)}: ${entry.why}`);
      }
    }
    servicesConfig = {
      globalSetup: [GLOBAL_SETUP],
      provide: { parleyServices: services, parleyPlan: plan },
      ...(skipped.length > 0 ? { exclude: [...configDefaults.exclude, ...skipped.map((e) => e.files)], passWithNoTests: true } : {}),
    };
  }
  return defineConfig({
    resolve: { conditions: CONDITIONS },
    ssr: { resolve: { conditions: CONDITIONS } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 60_000,
      ...servicesConfig,
      ...test,
    },
  });
}

/** The project's files (vitest runs in the project's directory) that a realServers glob names. */
function matching(glob: string): string[] {
  const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const source = glob
    .split('**/')
    .map((part) => part.split('*').map(escape).join('[^/]*'))
    .join('(?:.*/)?');
  const pattern = new RegExp(`^${source}$`);
  const files = walk('.').filter((file) => pattern.test(file));
  return files.length > 0 ? files.sort() : [glob];
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
    if (!entry.isDirectory()) return [path];
    return ['node_modules', 'dist', '.nx', '.git'].includes(entry.name) ? [] : walk(path);
  });
}

const listed = (names: string[]) => (names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join(''));
