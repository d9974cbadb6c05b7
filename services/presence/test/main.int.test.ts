import { HealthResponseSchema } from '@parley/protocol';
import { serviceUrl, startServiceProcess, uniqueId } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { inspector } from './app.js';

describe('the presence process', () => {
  it('starts, answers /readyz and /healthz, and exits 0 on SIGTERM', async () => {
    const env = {
      REDIS_URL: serviceUrl('redis'),
      NATS_URL: serviceUrl('nats'),
      BUS_SUBJECT_PREFIX: uniqueId('main'),
      REDIS_KEY_PREFIX: `test:${uniqueId('main')}`,
      HEALTH_GATHER_MS: '200',
    };
    const presence = await startServiceProcess('presence', { env });
    try {
      const ready = await fetch(`${presence.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ service: 'presence', status: 'healthy', components: { redis: 'healthy', nats: 'healthy' } });
      // Alone in its deployment: no API, no gateway answer the probe.
      const health = await fetch(`${presence.url}/healthz`);
      expect(health.status).toBe(503);
      expect(HealthResponseSchema.parse(await health.json())).toMatchObject({
        status: 'unhealthy',
        components: { database: 'unhealthy', websocket: 'unhealthy', redis: 'healthy', nats: 'healthy' },
      });
    } finally {
      expect(await presence.stop()).toBe(0);
      await (await inspector({ subjectPrefix: env.BUS_SUBJECT_PREFIX, keyPrefix: env.REDIS_KEY_PREFIX })).close();
    }
  });

  it('refuses to start with bad configuration, naming every bad key', async () => {
    const failed = await startServiceProcess('presence', {
      env: { PORT: '0', REDIS_URL: 'http://x', PRESENCE_TTL_MS: 'soon', REDIS_KEY_PREFIX: 'a b' },
      readyTimeoutMs: 15_000,
    }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(failed).toMatch(/exited with 1/);
    expect(failed).toMatch(/REDIS_URL/);
    expect(failed).toMatch(/PRESENCE_TTL_MS/);
    expect(failed).toMatch(/REDIS_KEY_PREFIX/);
  });
});
