import { freePort, serviceUrl, spawnScript } from '@parley/testing';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

describe('runService', () => {
  it('starts the app on the bus, and on SIGTERM closes the app, then the bus, then the rest, and exits 0', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const { child } = spawnScript('libs/service/test/fixtures/serve.ts', { PORT: String(port), NATS_URL: serviceUrl('nats') }, (l) => lines.push(l));
    await expect.poll(() => lines, { timeout: 20_000 }).toContain('listening');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^started api-.+ bus=true$/);
    // The app answers what is in flight while the bus is still up; the rest closes after the drain.
    expect(lines.slice(1)).toEqual(['listening', 'app closed bus=true', 'resources closed bus=false']);
  });
});
