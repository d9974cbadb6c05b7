import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { authFields, ConfigError, loadConfig, requireVerifierWhenAuthRequired, serviceFields } from '../src/index.js';

const schema = requireVerifierWhenAuthRequired(z.object({ ...serviceFields(3005), ...authFields }));

describe('serviceFields and authFields', () => {
  it('give every service the same defaults', () => {
    expect(loadConfig(schema, {})).toMatchObject({
      HOST: '0.0.0.0',
      PORT: 3005,
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_SERVERS_IN_ORDER: false,
      BUS_SUBJECT_PREFIX: '',
      SHUTDOWN_GRACE_MS: 10_000,
      LOG_LEVEL: 'info',
      AUTH_REQUIRED: false,
    });
  });

  it('reject an instance id that is not a NATS-safe token, and auth without a verifier', () => {
    const error = (() => {
      try {
        loadConfig(schema, { INSTANCE_ID: 'node-1.local', AUTH_REQUIRED: 'true', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/INSTANCE_ID/);
    expect(String((error as Error).message)).toMatch(/LOG_LEVEL/);
  });

  it('take NATS_URL as a comma-separated list of servers, and refuse one that names none', () => {
    const cluster = 'nats://127.0.0.1:4222, nats://127.0.0.1:4223';
    expect(loadConfig(schema, { NATS_URL: cluster, NATS_SERVERS_IN_ORDER: 'true' })).toMatchObject({ NATS_URL: cluster, NATS_SERVERS_IN_ORDER: true });
    expect(() => loadConfig(schema, { NATS_URL: ' , ' })).toThrow(/NATS_URL/);
  });

  it('refuses AUTH_REQUIRED without a way to verify tokens', () => {
    expect(() => loadConfig(schema, { AUTH_REQUIRED: 'true' })).toThrow(/AUTH_REQUIRED.*JWT_SECRET or JWT_JWKS_URL/);
  });

  it('accepts AUTH_REQUIRED with a secret', () => {
    expect(loadConfig(schema, { AUTH_REQUIRED: 'true', JWT_SECRET: 'x'.repeat(32) }).AUTH_REQUIRED).toBe(true);
  });
});
