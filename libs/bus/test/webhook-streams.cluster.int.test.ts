import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { WebhookEvent } from '@parley/protocol';
import { natsCluster, uniqueId, type NatsCluster } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { connectNats } from '../src/connect.js';
import { ensureWebhookStreams, webhookJetStream, WebhookPublisher, webhookStreams } from '../src/webhook-streams.js';

let cluster: NatsCluster;
const connections: NatsConnection[] = [];
afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.close()));
  await cluster?.stop();
});
beforeAll(async () => {
  cluster = await natsCluster();
});

/** Index of the node that leads JetStream's metadata now. */
async function metaLeader(): Promise<number> {
  const jsz = await cluster.monitor<{ meta_cluster?: { leader?: string } }>(0, '/jsz');
  return cluster.nodes.findIndex((n) => n.name === jsz.meta_cluster?.leader);
}

describe('webhook streams on a 3-node JetStream cluster', () => {
  it('with 3 replicas, survive the JetStream leader’s node being SIGKILLed: still updated and written to', async () => {
    const leader = await metaLeader();
    expect(leader).toBeGreaterThanOrEqual(0);
    // Connected to a node that stays up, and to it only (no failover muddles what is shown).
    const survivor = (leader + 1) % 3;
    const nc = await connectNats({ servers: cluster.nodes[survivor]!.url, name: uniqueId('js-cluster') });
    connections.push(nc);
    const names = webhookStreams(uniqueId('wh'));
    const { js, jsm } = await webhookJetStream(nc);
    await ensureWebhookStreams(jsm, names, { maxAgeMs: 3_600_000, replicas: 3 });
    const info = await jsm.streams.info(names.events);
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas).toHaveLength(2);

    await cluster.kill(leader);
    // A process starting now (the api, presence) gets its manager without asking anything: the
    // account check nats.js makes by default times out while the survivors elect a leader.
    const sent = nc.stats().outMsgs;
    await webhookJetStream(nc);
    expect(nc.stats().outMsgs).toBe(sent);
    // Once they have, the streams answer from the two copies left: brought to this configuration
    // again (every api start does it) and written to.
    await vi.waitFor(() => ensureWebhookStreams(jsm, names, { maxAgeMs: 3_600_000, replicas: 3 }), { timeout: 30_000, interval: 500 });
    const publisher = new WebhookPublisher(js, names);
    const event: WebhookEvent = { id: randomUUID(), type: 'room.vacated', timestamp: Date.now(), data: { room_id: 'r' } };
    await vi.waitFor(() => publisher.event(event), { timeout: 30_000, interval: 500 });
    expect((await jsm.streams.info(names.events)).state.messages).toBe(1);
    await jsm.streams.delete(names.events);
    await jsm.streams.delete(names.deliveries);
  }, 90_000);
});
