import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The browser build a front-end developer's bundler makes of `@parley/client`: everything the
 * SDK exports, minified, as esbuild bundles it for the browser. Budget: 15 KB gzipped (issue 16;
 * socket.io-client is 13 KB and centrifuge-js 20 KB measured the same way).
 */
const BUDGET_BYTES = 15 * 1024;

describe('browser bundle', () => {
  it(`is at most ${BUDGET_BYTES} bytes gzipped, without zod`, async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
      bundle: true,
      write: false,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@parley/source'],
      metafile: true,
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    const gzipped = gzipSync(output!.contents, { level: 9 }).length;
    // Inputs that put bytes in the output (the metafile also lists modules read and then shaken off).
    const [meta] = Object.values(result.metafile.outputs);
    const inputs = Object.entries(meta!.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
    console.log(`@parley/client browser bundle: ${output!.contents.length} bytes minified, ${gzipped} bytes gzipped (budget ${BUDGET_BYTES})`);
    expect(inputs.filter((path) => path.includes('node_modules/zod'))).toEqual([]);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
