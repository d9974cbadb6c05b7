import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { realServers, serviceUrl } from '../src/context.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/real-servers/', import.meta.url));
const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));

/** Runs the fixture project (one file needs a real NATS, one runs anywhere) the way nx runs a project. */
async function runFixture(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const { CI: _ci, PARLEY_TEST_BACKENDS: _forced, NATS_URL: _url, ...inherited } = process.env;
  const result = await promisify(execFile)(process.execPath, [VITEST, 'run', '--reporter=verbose', '--color=false'], {
    cwd: FIXTURE,
    env: { ...inherited, ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return { code: result.code, out: `${result.stdout}\n${result.stderr}` };
}

describe('a project on embedded backends', () => {
  it('leaves out the files that need a real server, naming each with its reason, and runs the rest', async () => {
    const { code, out } = await runFixture({ PARLEY_TEST_BACKENDS: 'embedded' });
    expect(out, out).toContain('[parley/testing] nats: embedded (the memory bus): PARLEY_TEST_BACKENDS=embedded');
    expect(out).toContain('[parley/testing] skipped talks.nats.check.ts: needs a real NATS: the fixture’s own reason');
    expect(out).not.toContain('RAN talks.nats.check.ts');
    expect(out).toContain('RAN anywhere.check.ts backends={"nats":"embedded"}');
    expect(out).not.toContain('RAN the suite that needs NATS');
    expect(out).toMatch(/a suite that needs NATS \(skipped: no real NATS in this run \(embedded backends\)\)/);
    expect(code, out).toBe(0);
  }, 60_000);

  it('with CI set stops at once, naming the server that does not answer', async () => {
    const { code, out } = await runFixture({ CI: 'true', NATS_URL: 'nats://127.0.0.1:1' });
    expect(code).not.toBe(0);
    expect(out).toContain('nats is not reachable at nats://127.0.0.1:1 (env)');
    expect(out).not.toContain('RAN ');
  }, 60_000);

  const real = realServers(['nats']);
  it.skipIf(real.skip)(
    real.title('on the real server runs every file'),
    async () => {
      const { code, out } = await runFixture({ NATS_URL: serviceUrl('nats') });
      expect(out).toMatch(/\[parley\/testing\] nats: nats:\/\/\S+ \(env\)/);
      expect(out).toContain('RAN talks.nats.check.ts');
      expect(out).toContain('RAN the suite that needs NATS');
      expect(out).not.toContain('skipped');
      expect(code, out).toBe(0);
    },
    60_000,
  );
});
