import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { envList, envUrl, isSecretKey, loadConfig, redactConfig } from '../src/index.js';

describe('isSecretKey', () => {
  it.each(['JWT_SECRET', 'NATS_TOKEN', 'PGPASSWORD', 'DB_PASSWD', 'API_KEY', 'private_key_pem', 'AWS_CREDENTIALS', 'jwt_secret'])('%s is secret', (name) =>
    expect(isSecretKey(name)).toBe(true),
  );
  it.each(['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'SHUTDOWN_GRACE_MS'])('%s is not secret', (name) => expect(isSecretKey(name)).toBe(false));
});

describe('redactConfig', () => {
  it('hides secrets and URL credentials, keeps everything else', () => {
    const config = loadConfig(
      z.object({
        PORT: z.string().default('3000'),
        JWT_SECRET: z.string().optional(),
        NATS_TOKEN: z.string().optional(),
        DATABASE_URL: envUrl({ protocols: ['postgres'] }),
        REDIS_URLS: envList(envUrl({ protocols: ['redis'] })),
      }),
      { JWT_SECRET: 'SECRET_MARKER_x', DATABASE_URL: 'postgres://parley:p@ss@db:5432/parley', REDIS_URLS: 'redis://:SECRET_MARKER@r1,redis://r2' },
    );
    const printable = redactConfig(config);
    expect(printable).toEqual({
      PORT: '3000',
      JWT_SECRET: '[REDACTED]',
      NATS_TOKEN: undefined,
      DATABASE_URL: 'postgres://***@db:5432/parley',
      REDIS_URLS: ['redis://***@r1', 'redis://r2'],
    });
    expect(JSON.stringify(printable)).not.toMatch(/SECRET_MARKER|p@ss/);
  });
});
