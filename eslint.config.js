// @ts-check
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Node-only packages a browser-safe lib (protocol, client) must never pull in. */
const NODE_ONLY = ['pg', 'ioredis', 'kysely', 'pino', 'prom-client', 'jose', 'fastify', '@fastify/*', '@nats-io/*', 'ws', 'testcontainers', '@testcontainers/*'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Services share only libs/: a service may never import another service.
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            // protocol and client run in browsers: only other browser-safe libs, no Node-only packages.
            {
              sourceTag: 'platform:browser',
              onlyDependOnLibsWithTags: ['platform:browser'],
              bannedExternalImports: NODE_ONLY,
            },
          ],
        },
      ],
    },
  },
  {
    // Browser-safe libs: no Node built-ins either (the nx rule only sees packages).
    files: ['libs/protocol/src/**/*.ts', 'libs/client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'browser-safe lib: no Node built-ins' }] }],
    },
  },
  {
    // Tests of libs may use the test helpers; their production sources may not (rule above).
    files: ['libs/**/test/**/*.ts', 'libs/**/*.test.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    // Project configs share the root vitest preset, which is outside every project.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/test/**/*.ts', '**/*.test.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
