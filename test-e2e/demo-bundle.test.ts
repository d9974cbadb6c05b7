/**
 * libs/client/demo/app.js is committed: compose's nginx serves libs/client/demo straight from the
 * clone and `npm start` serves it as it is, so neither can build it. This fails when it is stale,
 * i.e. not what `build:demo` makes from demo/app.ts and the SDK and protocol sources now.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLIENT = join(ROOT, 'libs/client');
const OUTFILE = '--outfile=demo/app.js';

it('libs/client/demo/app.js is what build:demo makes from the current sources', async () => {
  const manifest = JSON.parse(await readFile(join(CLIENT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = manifest.scripts['build:demo'] ?? '';
  expect(script).toContain(OUTFILE);
  const dir = await mkdtemp(join(tmpdir(), 'parley-demo-'));
  try {
    // The script's own command line, only writing elsewhere: the check cannot drift from the build.
    const fresh = join(dir, 'app.js');
    await promisify(execFile)('sh', ['-c', script.replace(OUTFILE, `--outfile=${fresh}`)], {
      cwd: CLIENT,
      env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env['PATH'] ?? ''}` },
    });
    const [built, committed] = await Promise.all([readFile(fresh, 'utf8'), readFile(join(CLIENT, 'demo/app.js'), 'utf8')]);
    expect(built === committed, 'libs/client/demo/app.js is stale: run `npm run build:demo -w @parley/client` and commit it').toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
