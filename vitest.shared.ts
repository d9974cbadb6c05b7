import { defaultServerConditions } from 'vite';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * One vitest config for every project: resolve workspace libs to their TypeScript sources
 * (the `@parley/source` export condition) so tests never need a build first.
 * Keep vite's default conditions after ours: a hand-written list that includes `import`
 * makes CJS packages such as `ws` resolve to their ESM wrapper and break.
 */
export function defineProjectConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: ['@parley/source', ...defaultServerConditions] },
    ssr: { resolve: { conditions: ['@parley/source', ...defaultServerConditions] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
