import { AckPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { ensureWebhookStreams, webhookJetStream, webhookStreams, type WebhookStreams } from '@parley/bus';
import { WebhookEventSchema, type WebhookEvent } from '@parley/protocol';
import { uniqueId } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPeer, inspector, newDeployment, startPresence, type TestPresence } from './app.js';
import { FakeGateway } from './fakes.js';

const GRACE_MS = 400;
const deployment = newDeployment();
const names: WebhookStreams = webhookStreams(deployment.subjectPrefix);
let peer: Awaited<ReturnType<typeof connectPeer>>;
let jsm: JetStreamManager;
let presence: TestPresence;
let gateway: FakeGateway;
const heard: WebhookEvent[] = [];
let stopReading: () => Promise<void>;

beforeAll(async () => {
  peer = await connectPeer(deployment);
  const js = await webhookJetStream(peer.nc);
  jsm = js.jsm;
  // The api creates the streams; here the test does, and reads the events stream as the api's fan-out would.
  await ensureWebhookStreams(jsm, names, { maxAgeMs: 600_000 });
  await jsm.consumers.add(names.events, { durable_name: 'test', ack_policy: AckPolicy.Explicit });
  const messages = await js.js.consumers.get(names.events, 'test').then((c) => c.consume());
  const loop = (async () => {
    for await (const m of messages) {
      heard.push(WebhookEventSchema.parse(m.json()));
      m.ack();
    }
  })();
  stopReading = async () => {
    await messages.close();
    await loop;
  };
  presence = await startPresence(deployment, { webhooks: true, config: { PRESENCE_OFFLINE_GRACE_MS: GRACE_MS } });
  gateway = new FakeGateway(peer.bus(), 60_000);
});
afterAll(async () => {
  await presence?.close();
  await stopReading?.();
  for (const stream of [names.events, names.deliveries]) await jsm?.streams.delete(stream).catch(() => undefined);
  await peer?.close();
  const inspect = await inspector(deployment);
  await inspect.close();
});

const of = (user: string) => heard.filter((e) => 'user_id' in e.data && e.data.user_id === user).map((e) => e.type);

describe('presence webhook events', () => {
  it('announces a user online once for every tab, offline once after the grace period, and a room vacated by its last user', async () => {
    const [user, room] = [uniqueId('u'), uniqueId('r')];
    const tabs = [gateway.connect(user), gateway.connect(user)];
    for (const tab of tabs) gateway.join(tab, room);
    await expect.poll(() => of(user)).toEqual(['user.online']);
    gateway.disconnect(tabs[0]!);
    gateway.disconnect(tabs[1]!);
    await expect.poll(() => heard.filter((e) => e.type === 'room.vacated' && e.data.room_id === room).length).toBe(1);
    // Not before the grace period has passed.
    expect(of(user)).toEqual(['user.online']);
    await expect.poll(() => of(user), { timeout: 5_000 }).toEqual(['user.online', 'user.offline']);
    const ids = heard.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(JSON.stringify(heard)).not.toMatch(/session/);
  });

  it('announces nothing when a user reloads within the grace period', async () => {
    const user = uniqueId('u');
    gateway.connect(user);
    await expect.poll(() => of(user)).toEqual(['user.online']);
    const [first] = [...gateway.connections.keys()].filter((id) => gateway.connections.get(id)?.user_id === user);
    gateway.disconnect(first!);
    gateway.connect(user);
    // Well past the grace period: still only the first online.
    await new Promise((r) => setTimeout(r, GRACE_MS * 3));
    expect(of(user)).toEqual(['user.online']);
  });
});
