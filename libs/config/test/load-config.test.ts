import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigError, envBool, envDurationMs, envInt, envList, envUrl, loadConfig } from '../src/index.js';

const Schema = z.object({
  PORT: envInt({ min: 1, max: 65_535 }).default(3000),
  NATS_URL: envUrl({ protocols: ['nats'] }).default('nats://127.0.0.1:4222'),
  DATABASE_URL: envUrl({ protocols: ['postgres', 'postgresql'] }),
  JWT_SECRET: z.string().min(32).optional(),
  REQUIRE_AUTH: envBool().default(false),
  ORIGINS: envList(envUrl()).default([]),
  SHUTDOWN_GRACE_MS: envDurationMs({ max: 120_000 }).default(30_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

const DB = { DATABASE_URL: 'postgres://parley@localhost/parley' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults for unset and empty variables', () => {
    const config = loadConfig(Schema, { ...DB, PORT: '', LOG_LEVEL: undefined });
    expect(config).toEqual({
      PORT: 3000,
      NATS_URL: 'nats://127.0.0.1:4222',
      DATABASE_URL: DB.DATABASE_URL,
      REQUIRE_AUTH: false,
      ORIGINS: [],
      SHUTDOWN_GRACE_MS: 30_000,
      LOG_LEVEL: 'info',
    });
  });

  it('parses set variables and ignores unknown ones', () => {
    const config = loadConfig(Schema, {
      ...DB,
      PORT: '8080',
      REQUIRE_AUTH: 'TRUE',
      ORIGINS: 'https://a.example, https://b.example,,',
      SHUTDOWN_GRACE_MS: '10s',
      HOME: '/root',
    });
    expect(config.PORT).toBe(8080);
    expect(config.REQUIRE_AUTH).toBe(true);
    expect(config.ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.SHUTDOWN_GRACE_MS).toBe(10_000);
    expect(config).not.toHaveProperty('HOME');
  });

  it('keeps empty strings when emptyAsUnset is false', () => {
    const error = configError(() => loadConfig(Schema, { ...DB, PORT: '' }, { emptyAsUnset: false }));
    expect(error.issues).toEqual([{ key: 'PORT', message: 'expected an integer (got "")' }]);
  });

  // ES modules run in strict mode, so writing to a frozen property throws.
  it('returns a deeply frozen value', () => {
    const config = loadConfig(Schema, { ...DB, ORIGINS: 'https://a.example' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ORIGINS)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.ORIGINS as string[]).push('https://evil.example');
    }).toThrow(TypeError);
  });

  it('reports every bad key at once', () => {
    const error = configError(() =>
      loadConfig(Schema, {
        PORT: 'eighty',
        NATS_URL: 'http://127.0.0.1:4222',
        REQUIRE_AUTH: 'yes',
        ORIGINS: 'https://ok.example,not a url',
        SHUTDOWN_GRACE_MS: '5 minutes',
        LOG_LEVEL: 'verbose',
      }),
    );
    expect(error.issues.map((issue) => issue.key)).toEqual([
      'PORT',
      'NATS_URL',
      'DATABASE_URL',
      'REQUIRE_AUTH',
      'ORIGINS[1]',
      'SHUTDOWN_GRACE_MS',
      'LOG_LEVEL',
    ]);
    expect(error.message).toContain('Invalid configuration (7 problems)');
    expect(error.message).toContain('PORT: expected an integer (got "eighty")');
    expect(error.message).toContain('NATS_URL: URL scheme must be one of nats:');
    expect(error.message).toContain('DATABASE_URL: is required but not set');
    expect(error.message).toContain(`REQUIRE_AUTH: expected 'true', 'false', '1' or '0' (got "yes")`);
    expect(error.message).toContain('ORIGINS[1]: expected an absolute URL');
    expect(error.message).toContain('LOG_LEVEL:');
    expect(error.name).toBe('ConfigError');
  });

  it('reports out-of-range numbers', () => {
    const error = configError(() => loadConfig(Schema, { ...DB, PORT: '70000', SHUTDOWN_GRACE_MS: '3m' }));
    expect(error.issues).toEqual([
      { key: 'PORT', message: 'must be at most 65535 (got "70000")' },
      { key: 'SHUTDOWN_GRACE_MS', message: 'must be at most 120000 (got "3m")' },
    ]);
  });

  it('never prints the value of a secret-looking key', () => {
    const secret = 'SECRET_MARKER_tooShort';
    const SecretSchema = z.object({
      JWT_SECRET: z.string().min(32),
      NATS_TOKEN: envInt(),
      DB_PASSWORD: z.string().refine((v) => v.startsWith('x'), { message: 'bad value' }),
      API_KEY: z.string().refine(() => false, { error: (issue) => `rejected ${String(issue.input)}` }),
    });
    const error = configError(() =>
      loadConfig(SecretSchema, { JWT_SECRET: secret, NATS_TOKEN: `${secret}2`, DB_PASSWORD: `${secret}3`, API_KEY: `${secret}4` }),
    );
    expect(error.issues.map((issue) => issue.key)).toEqual(['JWT_SECRET', 'NATS_TOKEN', 'DB_PASSWORD', 'API_KEY']);
    expect(error.message).not.toContain('SECRET_MARKER');
    expect(JSON.stringify(error.issues)).not.toContain('SECRET_MARKER');
    expect(error.message).toContain('API_KEY: rejected [REDACTED]');
  });

  it('masks credentials embedded in a URL it echoes', () => {
    const error = configError(() => loadConfig(Schema, { DATABASE_URL: 'mysql://parley:hunter2@db/parley' }));
    expect(error.message).toContain('DATABASE_URL: URL scheme must be one of postgres: postgresql: (got "mysql://***@db/parley")');
    expect(error.message).not.toContain('hunter2');
  });
});
