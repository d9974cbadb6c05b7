import { randomUUID } from 'node:crypto';
import { connectNats, subjects, webhookJetStream, webhookStreams } from '@parley/bus';
import {
  DeadLetterListSchema,
  WebhookEventSchema,
  WebhookListSchema,
  WebhookSchema,
  type Webhook,
  type WebhookEvent,
  type WebhookEventType,
} from '@parley/protocol';
import { serviceUrl, uniqueId } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createApiKey } from '../src/server/api-keys.js';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';
import { startReceiver, verifySignature } from './webhook-receiver.js';

const SECRET = 'a-test-secret-of-some-length';
const ALL: WebhookEventType[] = ['message.created', 'message.edited', 'message.deleted', 'room.member_added', 'room.member_removed'];
const timeout = { timeoutMs: 5_000 };

// One database, so one deployment: each test closes its api instances (and endpoints) before the next starts.
let t: MigratedDatabase;
beforeAll(async () => {
  t = await migratedDatabase();
});
afterAll(() => t?.close());

async function api(prefix: string, webhooks = {}): Promise<TestApi> {
  const a = await startApi({ databaseUrl: t.url, prefix, webhooks });
  onTestFinished(async () => {
    await a.close();
    await t.db.deleteFrom('webhook_endpoints').execute();
    await dropStreams(prefix);
  });
  return a;
}
/** The streams live on the NATS server every test shares: each test removes its own. */
async function dropStreams(prefix: string): Promise<void> {
  const nc = await connectNats({ servers: serviceUrl('nats'), name: 'webhooks-test-cleanup' });
  const { jsm } = await webhookJetStream(nc);
  const names = webhookStreams(prefix);
  for (const stream of [names.events, names.deliveries]) await jsm.streams.delete(stream).catch(() => undefined);
  await nc.drain();
}

async function receiver(mode: Parameters<typeof startReceiver>[0] = 'ok') {
  const r = await startReceiver(mode);
  onTestFinished(() => r.close());
  return r;
}

/** A session of `user` and a function that appends as them over the bus (as a gateway does). */
async function writer(a: TestApi, user: string) {
  const s = await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: user }, timeout);
  return (room: string, content: string) =>
    a.peer.request(subjects.api.appendMessage, { room_id: room, session_id: s.session_id, user_id: user, content, client_msg_id: uniqueId('c') }, timeout);
}

/** Registers an endpoint over the server API with an admin key, as a deployment's backend does. */
async function register(a: TestApi, url: string, events: WebhookEventType[]): Promise<Webhook> {
  const { key } = await createApiKey(t.db, uniqueId('admin'), ['admin']);
  const res = await a.app.inject({
    method: 'POST',
    url: '/api/server/webhooks/',
    headers: { authorization: `Bearer ${key}` },
    payload: { url, events, secret: SECRET },
  });
  expect(res.statusCode, res.body).toBe(201);
  return WebhookSchema.strict().parse(res.json());
}

const events = (r: Awaited<ReturnType<typeof receiver>>): WebhookEvent[] => r.received.map((x) => WebhookEventSchema.parse(JSON.parse(x.body)));

describe('webhooks', () => {
  it('POSTs every event to its endpoint exactly as signed, with a unique id and no session id', async () => {
    const a = await api(uniqueId('wh'));
    const r = await receiver();
    await register(a, r.url, ALL);
    const owner = { 'x-session-id': (await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'olga' }, timeout)).session_id };
    expect((await a.app.inject({ method: 'POST', url: '/api/rooms/', headers: owner, payload: { room_id: 'signed', name: 'Signed' } })).statusCode).toBe(201);
    expect((await a.app.inject({ method: 'POST', url: '/api/rooms/signed/members/', headers: owner, payload: { user_id: 'pete' } })).statusCode).toBe(201);
    const send = await writer(a, 'olga');
    const sent = [await send('signed', 'one'), await send('signed', 'two')];
    const change = { room_id: 'signed', message_id: sent[1]!.message.message_id, session_id: owner['x-session-id'], user_id: 'olga', client_msg_id: null };
    const edit = await a.peer.request(subjects.api.appendEvent, { type: 'message_edited', ...change, content: 'two, edited' }, timeout);
    const deletion = await a.peer.request(subjects.api.appendEvent, { type: 'message_deleted', ...change }, timeout);
    expect((await a.app.inject({ method: 'DELETE', url: '/api/rooms/signed/members/pete/', headers: owner })).statusCode).toBe(204);

    await expect.poll(() => r.received.length, { timeout: 10_000 }).toBe(7);
    for (const { headers, body } of r.received) {
      expect(verifySignature(SECRET, headers['parley-signature'] as string, body), body).toBe(true);
      expect(verifySignature('another-secret-entirely', headers['parley-signature'] as string, body)).toBe(false);
      expect(body).not.toContain(sent[0]!.message.session_id!);
      expect(headers['parley-event-id']).toBe(JSON.parse(body).id);
    }
    const got = events(r);
    expect(new Set(got.map((e) => e.id)).size).toBe(7);
    const messages = got.filter((e) => e.type === 'message.created').map((e) => e.data);
    expect(messages.map((m) => m.content).sort()).toEqual(['one', 'two']);
    expect(messages.find((m) => m.content === 'one')).toEqual({
      message_id: sent[0]!.message.message_id,
      room_id: 'signed',
      seq: 1,
      user_id: 'olga',
      content: 'one',
      client_msg_id: sent[0]!.message.client_msg_id,
      created_at: sent[0]!.message.created_at,
      timestamp: Date.parse(sent[0]!.message.created_at),
    });
    // Edits and deletes carry what the gateways deliver: the durable event as stored (no session id).
    expect(got.find((e) => e.type === 'message.edited')?.data).toEqual(edit.event.data);
    expect(got.find((e) => e.type === 'message.deleted')?.data).toEqual(deletion.event.data);
    expect(got.filter((e) => e.type.startsWith('room.')).map((e) => [e.type, e.data])).toEqual(
      expect.arrayContaining([
        ['room.member_added', { room_id: 'signed', user_id: 'olga', role: 'owner' }],
        ['room.member_added', { room_id: 'signed', user_id: 'pete', role: 'member' }],
        ['room.member_removed', { room_id: 'signed', user_id: 'pete' }],
      ]),
    );
  });

  it('loses nothing while the receiver is down and the api restarts between the commit and the publish', async () => {
    const prefix = uniqueId('wh');
    const r = await receiver('down');
    // The first instance never relays its outbox: its events are committed but not yet in JetStream when it stops.
    const first = await api(prefix, { relayIntervalMs: 3_600_000 });
    const hook = await register(first, r.url, ['message.created']);
    const send = await writer(first, 'quinn');
    const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => send('general', `before restart ${i}`)));
    const pending = await t.db.selectFrom('webhook_outbox').select('event_id').execute();
    expect(pending.length).toBe(10);
    await first.close();

    const second = await api(prefix);
    await expect.poll(() => t.db.selectFrom('webhook_outbox').select('event_id').execute(), { timeout: 5_000 }).toEqual([]);
    const more = await Promise.all(Array.from({ length: 5 }, async (_, i) => (await writer(second, 'rita'))('general', `after restart ${i}`)));
    // Down for a while: several attempts refused, none dead-lettered yet.
    await expect.poll(() => r.attempts(), { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    r.setMode('ok');
    const expected = [...sent, ...more].map((s) => s.message.message_id).sort();
    await expect
      .poll(() => [...new Set(events(r).flatMap((e) => (e.type === 'message.created' ? [e.data.message_id] : [])))].sort(), { timeout: 15_000 })
      .toEqual(expected);
    for (const { headers, body } of r.received) expect(verifySignature(SECRET, headers['parley-signature'] as string, body)).toBe(true);
    expect(await t.db.selectFrom('webhook_dead_letters').selectAll().where('webhook_id', '=', hook.webhook_id).execute()).toEqual([]);
  });

  it('records a dead letter when the receiver never comes back, lists it and replays it over the server API', async () => {
    const a = await api(uniqueId('wh'), { maxAttempts: 3 });
    const r = await receiver('down');
    const hook = await register(a, r.url, ['message.created']);
    const { key } = await createApiKey(t.db, uniqueId('admin'), ['admin']);
    const admin = { authorization: `Bearer ${key}` };
    const { message } = await (await writer(a, 'sam'))('general', 'nobody hears this');
    const letters = async () => {
      const res = await a.app.inject({ url: `/api/server/webhooks/${hook.webhook_id}/dead-letters/`, headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      return DeadLetterListSchema.strict().parse(res.json()).dead_letters;
    };
    await expect.poll(async () => (await letters()).length, { timeout: 10_000 }).toBe(1);
    const [letter] = await letters();
    expect(letter).toMatchObject({ webhook_id: hook.webhook_id, attempts: 3, last_error: 'HTTP 503' });
    expect(letter!.event).toMatchObject({ type: 'message.created', data: { message_id: message.message_id } });
    expect(r.attempts()).toBe(3);

    r.setMode('ok');
    const replay = await a.app.inject({
      method: 'POST',
      url: `/api/server/webhooks/${hook.webhook_id}/dead-letters/${letter!.dead_letter_id}/replay/`,
      headers: admin,
    });
    expect(replay.statusCode, replay.body).toBe(202);
    await expect.poll(() => events(r).map((e) => e.id), { timeout: 5_000 }).toEqual([letter!.event.id]);
    expect(verifySignature(SECRET, r.received[0]!.headers['parley-signature'] as string, r.received[0]!.body)).toBe(true);
    expect(await letters()).toEqual([]);
    const again = await a.app.inject({
      method: 'POST',
      url: `/api/server/webhooks/${hook.webhook_id}/dead-letters/${letter!.dead_letter_id}/replay/`,
      headers: admin,
    });
    expect(again.statusCode).toBe(404);
  });

  it('registers, lists and removes endpoints for admin keys only, never showing a secret', async () => {
    const a = await api(uniqueId('wh'));
    const r = await receiver();
    const hook = await register(a, r.url, ['message.created', 'room.member_added']);
    const { key: publisher } = await createApiKey(t.db, uniqueId('pub'), ['publish', 'moderate', 'read']);
    const { key: admin } = await createApiKey(t.db, uniqueId('admin'), ['admin']);
    const body = { url: r.url, events: ['message.created'], secret: SECRET };
    expect((await a.app.inject({ method: 'POST', url: '/api/server/webhooks/', payload: body })).statusCode).toBe(401);
    const session = (await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'uma' }, timeout)).session_id;
    expect((await a.app.inject({ method: 'POST', url: '/api/server/webhooks/', headers: { 'x-session-id': session }, payload: body })).statusCode).toBe(401);
    for (const [method, url] of [
      ['POST', '/api/server/webhooks/'],
      ['GET', '/api/server/webhooks/'],
      ['DELETE', `/api/server/webhooks/${hook.webhook_id}/`],
      ['GET', `/api/server/webhooks/${hook.webhook_id}/dead-letters/`],
    ] as const) {
      const res = await a.app.inject({ method, url, headers: { 'x-api-key': publisher }, payload: method === 'POST' ? body : undefined });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    const bad = await a.app.inject({ method: 'POST', url: '/api/server/webhooks/', headers: { 'x-api-key': admin }, payload: { ...body, events: ['nope'] } });
    expect(bad.statusCode).toBe(400);

    const list = await a.app.inject({ url: '/api/server/webhooks/', headers: { 'x-api-key': admin } });
    expect(WebhookListSchema.strict().parse(list.json()).webhooks).toEqual([hook]);
    expect(list.body).not.toContain(SECRET);
    expect((await a.app.inject({ method: 'DELETE', url: `/api/server/webhooks/${hook.webhook_id}/`, headers: { 'x-api-key': admin } })).statusCode).toBe(204);
    expect((await a.app.inject({ method: 'DELETE', url: `/api/server/webhooks/${hook.webhook_id}/`, headers: { 'x-api-key': admin } })).statusCode).toBe(404);
    // Removed: nothing reaches it any more.
    await (
      await writer(a, 'uma')
    )('general', 'after removal');
    await a.webhooks!.flushOutbox();
    expect(await t.db.selectFrom('webhook_outbox').selectAll().execute()).toEqual([]);
    expect(r.attempts()).toBe(0);
  });

  it('delivers events published straight to the stream (presence: user.online / user.offline / room.vacated) to the endpoints that hear them', async () => {
    const a = await api(uniqueId('wh'));
    const [presenceHook, messagesHook] = [await receiver(), await receiver()];
    await register(a, presenceHook.url, ['user.online', 'user.offline', 'room.vacated']);
    await register(a, messagesHook.url, ['message.created']);
    const sent: WebhookEvent[] = [
      { id: randomUUID(), type: 'user.online', timestamp: Date.now(), data: { user_id: 'wes' } },
      { id: randomUUID(), type: 'room.vacated', timestamp: Date.now(), data: { room_id: 'general' } },
      { id: randomUUID(), type: 'user.offline', timestamp: Date.now(), data: { user_id: 'wes' } },
    ];
    for (const event of sent) await a.webhooks!.publisher.event(event);
    // Published twice (a presence retry): JetStream keeps one.
    await a.webhooks!.publisher.event(sent[0]!);
    await expect.poll(() => events(presenceHook).length, { timeout: 10_000 }).toBe(3);
    expect(events(presenceHook).sort((x, y) => x.id.localeCompare(y.id))).toEqual([...sent].sort((x, y) => x.id.localeCompare(y.id)));
    for (const { headers, body } of presenceHook.received) expect(verifySignature(SECRET, headers['parley-signature'] as string, body)).toBe(true);
    expect(messagesHook.attempts()).toBe(0);
  });

  it('starts once JetStream takes its streams, however long that takes', async () => {
    const prefix = uniqueId('wh');
    const nc = await connectNats({ servers: serviceUrl('nats'), name: 'webhooks-test-blocker' });
    onTestFinished(() => nc.drain());
    const { jsm } = await webhookJetStream(nc);
    // A stream already holding the deployment's subjects: JetStream refuses the webhook streams.
    const blocker = uniqueId('blocker');
    await jsm.streams.add({ name: blocker, subjects: [`${prefix}.webhooks.>`] });
    const starting = api(prefix);
    await new Promise((r) => setTimeout(r, 1_500)); // a few refused attempts
    expect(await jsm.streams.info(webhookStreams(prefix).events).catch(() => 'missing')).toBe('missing');
    await jsm.streams.delete(blocker);
    const a = await starting;
    const r = await receiver();
    await register(a, r.url, ['message.created']);
    const { message } = await (await writer(a, 'vera'))('general', 'after the outage');
    await expect
      .poll(() => events(r).map((e) => (e.type === 'message.created' ? e.data.message_id : e.type)), { timeout: 10_000 })
      .toEqual([message.message_id]);
  });

  it('keeps acknowledging chat messages while a receiver hangs on every POST', async () => {
    const a = await api(uniqueId('wh'), { timeoutMs: 30_000, concurrency: 2 });
    const r = await receiver('hang');
    await register(a, r.url, ['message.created']);
    const send = await writer(a, 'tess');
    await send('general', 'first');
    await expect.poll(() => r.hanging(), { timeout: 5_000 }).toBe(1);
    // The endpoint's slots are full of hung POSTs; chat goes on: every append is acknowledged, in order.
    const replies = [];
    for (let i = 0; i < 30; i++) replies.push(await send('general', `while hung ${i}`));
    expect(replies.map((x) => x.duplicate)).toEqual(Array(30).fill(false));
    expect(r.hanging()).toBe(2);
    expect(r.received).toEqual([]);
  });
});
