import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

type ServiceName = 'postgres' | 'redis' | 'nats';

export interface ProjectConfigOptions {
  /** Real services this project's tests talk to; resolved once per run by libs/testing's globalSetup. */
  services?: ServiceName[];
  test?: ViteUserConfig['test'];
}

// Vitest hands these to Node as --conditions too. `module` is a bundler-only condition: with it,
// Node loads @opentelemetry/api's extensionless ESM build and fails. Node itself never uses it.
const CONDITIONS = ['@parley/source', ...defaultServerConditions.filter((c) => c !== 'module')];

const GLOBAL_SETUP = fileURLToPath(new URL('./libs/testing/src/global-setup.ts', import.meta.url));

/**
 * One vitest config for every project: resolve workspace libs to their TypeScript sources
 * (the `@parley/source` export condition) so tests never need a build first.
 * Keep vite's default conditions after ours: a hand-written list that includes `import`
 * makes CJS packages such as `ws` resolve to their ESM wrapper and break.
 */
export function defineProjectConfig({ services = [], test = {} }: ProjectConfigOptions = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: CONDITIONS },
    ssr: { resolve: { conditions: CONDITIONS } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 60_000,
      ...(services.length > 0 ? { globalSetup: [GLOBAL_SETUP], provide: { parleyServices: services } } : {}),
      ...test,
    },
  });
}
