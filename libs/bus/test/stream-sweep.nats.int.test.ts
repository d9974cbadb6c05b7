import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { serviceUrl, STALE_AFTER_MS, sweepTestStreams, TEST_STREAM, uniqueId } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebhookStreams, webhookStreams } from '../src/index.js';

// The test run's sweep (libs/testing global setup) finds leftovers by name: it must recognise the
// names the api gives its streams, and delete only old ones.
describe('sweeping the webhook streams test runs leave on a NATS server', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const prefix = uniqueId('sweep');
  const names = webhookStreams(prefix);
  const own = new RegExp(`^${prefix}_`);
  const exists = (name: string) =>
    jsm.streams.info(name).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    nc = await connect({ servers: serviceUrl('nats') });
    jsm = await jetstreamManager(nc);
    await ensureWebhookStreams(jsm, names, { maxAgeMs: 3_600_000 });
  });
  afterAll(async () => {
    for (const name of [names.events, names.deliveries]) await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  it('names a test deployment’s streams in the shape it sweeps, and a default deployment’s not', () => {
    expect(names.events).toMatch(TEST_STREAM);
    expect(names.deliveries).toMatch(TEST_STREAM);
    expect(webhookStreams(undefined).events).not.toMatch(TEST_STREAM);
    expect(webhookStreams('parley').deliveries).not.toMatch(TEST_STREAM);
  });

  it('keeps streams younger than an hour (a run in progress) and deletes older ones', async () => {
    // Only this file's streams (`pattern`): other test files' streams are in use right now.
    expect(await sweepTestStreams(serviceUrl('nats'), { pattern: own })).toEqual([]);
    expect(await exists(names.events)).toBe(true);

    const later = Date.now() + STALE_AFTER_MS + 60_000;
    const swept = await sweepTestStreams(serviceUrl('nats'), { now: later, pattern: own });
    expect(swept.sort()).toEqual([names.deliveries, names.events].sort());
    expect(await exists(names.events)).toBe(false);
    expect(await exists(names.deliveries)).toBe(false);
  });
});
