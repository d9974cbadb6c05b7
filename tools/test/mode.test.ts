import { describe, expect, it } from 'vitest';
import { chooseMode } from '../dev/mode.js';

const all = { postgres: true, redis: true, nats: true };
const none = { postgres: false, redis: false, nats: false };

describe('npm start chooses its mode', () => {
  it('runs the full stack when every service answers, embedded when none does or when asked', () => {
    expect(chooseMode(all, {})).toEqual({ kind: 'full' });
    expect(chooseMode(none, {})).toMatchObject({ kind: 'embedded' });
    expect(chooseMode(all, { PARLEY_EMBEDDED: '1' })).toMatchObject({ kind: 'embedded', why: 'PARLEY_EMBEDDED=1' });
  });

  it('stops when only some answer, naming the missing ones and both ways on', () => {
    const mode = chooseMode({ postgres: true, redis: false, nats: false }, { NATS_URL: 'nats://10.0.0.9:4222' });
    expect(mode).toMatchObject({ kind: 'incomplete', missing: ['redis', 'nats'] });
    const message = (mode as { message: string }).message;
    expect(message).toContain('Redis (default local port) and NATS (nats://10.0.0.9:4222) did not');
    expect(message).toContain('docker compose up -d redis nats\n');
    expect(message).toContain('PARLEY_EMBEDDED=1 npm start');
    expect(message).not.toContain('postgres ');
  });
});
