// The publishable package: ESM and CJS bundles with @parley/protocol inlined (it is not published),
// and one bundled .d.ts. The bundles never load zod (frames are checked with the generated JSON
// Schemas); the declarations still name zod's types, so it stays a dependency.
// `npm pack` runs this through `prepack`.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
// The declarations are bundled from @parley/protocol's emitted .d.ts (tsconfig.build.json resolves it to dist).
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', '../protocol/tsconfig.build.json'], { stdio: 'inherit' });
const common = {
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'neutral',
  target: 'es2022',
  conditions: ['@parley/source'],
  external: ['zod'],
  logLevel: 'warning',
};
await build({ ...common, format: 'esm', outfile: 'dist/index.js' });
await build({ ...common, format: 'cjs', outfile: 'dist/index.cjs' });
const [bundled] = generateDtsBundle(
  [{ filePath: 'src/index.ts', libraries: { inlinedLibraries: ['@parley/protocol'], importedLibraries: ['zod'] }, output: { noBanner: true } }],
  { preferredConfigPath: 'tsconfig.build.json' },
);
// dts-bundle-generator 9.5 drops the namespace import of an inlined library's dependency
// (`import * as z from 'zod'` in @parley/protocol) while keeping `z.` references; put it back.
const types = /^import \* as z from/m.test(bundled) ? bundled : `import * as z from 'zod';\n\n${bundled}`;
// The same declarations for `import` and `require` (TypeScript picks .d.cts for the CJS entry).
writeFileSync('dist/index.d.ts', types);
writeFileSync('dist/index.d.cts', types);
