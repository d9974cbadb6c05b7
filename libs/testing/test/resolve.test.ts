import { describe, expect, it, vi } from 'vitest';
import { planBackends, startBackends } from '../src/resolve.js';

// Port 1 on loopback: nothing listens there, so every probe is refused at once.
const CLOSED = {
  DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/nowhere',
  REDIS_URL: 'redis://127.0.0.1:1',
  NATS_URL: 'nats://127.0.0.1:1',
};

describe('backend resolution where no server answers', () => {
  it('falls back to the embedded backend for each, saying which URL did not answer', async () => {
    const plan = await planBackends(['postgres', 'redis', 'nats'], CLOSED);
    expect(plan.map((p) => [p.name, p.source])).toEqual([
      ['postgres', 'embedded'],
      ['redis', 'embedded'],
      ['nats', 'embedded'],
    ]);
    expect(plan.every((p) => p.url === undefined)).toBe(true);
    expect(plan[0]!.why).toContain('postgres://postgres:***@127.0.0.1:1/nowhere (env) does not answer');
    expect(plan[2]!.why).toContain('nats://127.0.0.1:1 (env) does not answer');
  });

  it('with CI set fails instead, naming each missing server and how to provide it', async () => {
    const failure = planBackends(['postgres', 'nats'], { ...CLOSED, CI: 'true' });
    await expect(failure).rejects.toThrow(/postgres is not reachable at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere \(env\)/);
    await expect(failure).rejects.toThrow(/set DATABASE_URL/);
    await expect(failure).rejects.toThrow(/nats is not reachable at nats:\/\/127\.0\.0\.1:1 \(env\)/);
  });

  it('PARLEY_TEST_BACKENDS=embedded uses the embedded backends without asking any server, in CI too', async () => {
    const plan = await planBackends(['postgres', 'redis'], { CI: 'true', PARLEY_TEST_BACKENDS: 'embedded' });
    expect(plan).toEqual([
      { name: 'postgres', source: 'embedded', why: 'PARLEY_TEST_BACKENDS=embedded' },
      { name: 'redis', source: 'embedded', why: 'PARLEY_TEST_BACKENDS=embedded' },
    ]);
    await expect(planBackends(['nats'], { PARLEY_TEST_BACKENDS: 'mock' })).rejects.toThrow(/the only value is 'embedded'/);
  });

  it('prints one line per backend saying what it resolved to, and hands tests no URL for an embedded one', async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    try {
      const services = await startBackends(await planBackends(['postgres', 'redis', 'nats'], CLOSED));
      expect(services.map((s) => [s.name, s.source, s.url])).toEqual([
        ['postgres', 'embedded', undefined],
        ['redis', 'embedded', undefined],
        ['nats', 'embedded', undefined],
      ]);
    } finally {
      write.mockRestore();
    }
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[parley\/testing\] postgres: embedded \(PGlite\): .*127\.0\.0\.1:1.*; suites that need a real PostgreSQL are skipped\n$/);
    expect(lines[1]).toMatch(/^\[parley\/testing\] redis: embedded \(the memory presence store\)/);
    expect(lines[2]).toMatch(/^\[parley\/testing\] nats: embedded \(the memory bus\)/);
  });
});
