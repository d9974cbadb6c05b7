import { connectNats, createNatsBus, subjects, type Bus } from '@parley/bus';
import { createLogger, createMetrics } from '@parley/observability';
import type { RoomEvent } from '@parley/protocol';
import { serviceUrl, uniqueId } from '@parley/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromSocket } from '../src/messages/append.js';
import { createMessagePublishing, type MessagePublishing } from '../src/messages/messages.js';
import { chunks, PublishRelay, type Relayed } from '../src/messages/relay.js';
import { createDb } from '../src/db/db.js';
import { insertSession } from '../src/sessions/sessions.repository.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let nc: NatsConnection;
let bus: Bus;
let sessionId: string;
const logger = createLogger({ service: 'api', level: (process.env['RELAY_LOG'] as 'debug') ?? 'silent' });
/** Instances started by a test, stopped after it (the way the service shell stops them). */
let running: Instance[] = [];
const prefix = uniqueId('relay');

beforeAll(async () => {
  t = await migratedDatabase();
  nc = await connectNats({ servers: serviceUrl('nats'), name: 'relay-test' });
  bus = createNatsBus(nc, { logger, subjectPrefix: prefix });
  sessionId = (await insertSession(t.db, { user_id: 'writer', ttl_ms: 600_000 })).session_id;
});
afterEach(async () => {
  for (const r of running) if (!r.stopped) await stop(r);
  for (const r of running) await r.close();
  running = [];
});
afterAll(async () => {
  await bus?.drain();
  await nc?.drain();
  await t?.close();
});

interface Instance {
  publishing: MessagePublishing;
  stopped: boolean;
  close(): Promise<void>;
}

/** One api instance's publishing path, relay on: its own database pool and NATS connection, as a process has. */
async function instance(headsIntervalMs = 0): Promise<Instance> {
  const own = await connectNats({ servers: serviceUrl('nats'), name: 'relay-test-instance' });
  const db = createDb({ url: t.url, poolMax: 4 });
  const publishing = createMessagePublishing(
    db,
    createNatsBus(own, { logger, subjectPrefix: prefix }),
    createMetrics({ service: 'api', instanceId: uniqueId('relay'), collectDefault: false }),
    undefined,
    { databaseUrl: t.url, logger },
    headsIntervalMs,
  );
  publishing.relay!.start();
  publishing.heads?.start();
  const r: Instance = { publishing, stopped: false, close: () => Promise.all([own.drain(), db.destroy()]).then(() => undefined) };
  running.push(r);
  return r;
}

async function stop(r: Instance) {
  r.stopped = true;
  r.publishing.heads?.stop();
  await r.publishing.appender.idle();
  await r.publishing.relay!.drained();
}

let room = 0;
/** A fresh room, and the seqs published on its subject as they arrive. */
async function listen() {
  const roomId = `relay-${++room}`;
  await t.db.insertInto('rooms').values({ room_id: roomId, name: roomId, description: '', category: 'general' }).execute();
  const seqs: number[] = [];
  const sub = bus.subscribe(subjects.chatRoom(roomId), (e: RoomEvent) => void (e.kind === 'message' && seqs.push(e.message.seq)));
  await sub.ready;
  return { roomId, seqs, sub };
}

let sent = 0;
const append = (r: { publishing: MessagePublishing }, roomId: string) =>
  r.publishing.appender.append(fromSocket({ room_id: roomId, session_id: sessionId, user_id: 'writer', content: `m${++sent}`, client_msg_id: `c${sent}` }));
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
/** Until the relay (whichever instance holds it) is up: a message appended now is published. */
async function relayReady(r: { publishing: MessagePublishing }) {
  const probe = await listen();
  await append(r, probe.roomId);
  await expect.poll(() => probe.seqs, { timeout: 5_000 }).toEqual([1]);
  probe.sub.unsubscribe();
}

describe('the publish relay', () => {
  it('publishes a room’s messages in seq order while two instances commit them concurrently', async () => {
    const a = await instance();
    const b = await instance();
    await relayReady(a);
    const { roomId, seqs } = await listen();
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 40 }, (_, i) => append(i % 2 === 0 ? a : b, roomId)));
    }
    await expect.poll(() => seqs.length, { timeout: 10_000 }).toBe(400);
    expect(seqs).toEqual(range(400));
  });

  it('hands over on a clean stop: every message published once, in order, while the other instance keeps appending', async () => {
    const a = await instance();
    await relayReady(a);
    const b = await instance();
    const { roomId, seqs } = await listen();
    const writing = (async () => {
      for (let i = 0; i < 150; i++) await append(b, roomId);
    })();
    await expect.poll(() => seqs.length, { timeout: 5_000 }).toBeGreaterThan(20);
    await stop(a); // the leader: b takes over mid-stream
    await writing;
    await expect.poll(() => seqs.length, { timeout: 10_000 }).toBe(150);
    expect(seqs).toEqual(range(150));
  });

  it('loses nothing when the leader’s connection dies: the next leader republishes what it heard (duplicates allowed, never a gap)', async () => {
    const a = await instance();
    await relayReady(a);
    const b = await instance();
    const { roomId, seqs } = await listen();
    const writing = (async () => {
      for (let i = 0; i < 150; i++) await append(b, roomId);
    })();
    await expect.poll(() => seqs.length, { timeout: 5_000 }).toBeGreaterThan(20);
    // The lock holder's session ends as if its process died: no hand-over mark.
    await terminateLeader();
    await writing;
    await expect.poll(() => new Set(seqs).size, { timeout: 10_000 }).toBe(150);
    // What a gateway delivers (a seq it already has is dropped): every message once, in order.
    const delivered = seqs.filter((s, i) => s > Math.max(0, ...seqs.slice(0, i)));
    expect(delivered).toEqual(range(150));
  });
  it('publishes long messages whole: NOTIFY drops a chunk identical to another of its transaction, so every chunk must differ', async () => {
    const a = await instance();
    await relayReady(a);
    const { roomId } = await listen();
    const contents: string[] = [];
    const sub = bus.subscribe(subjects.chatRoom(roomId), (e: RoomEvent) => void (e.kind === 'message' && contents.push(e.message.content)));
    await sub.ready;
    // One message whose middle chunks repeat; then one content twice in one group-committed batch (a broadcast does that).
    const emoji = '😀'.repeat(4_000);
    const quotes = '"'.repeat(4_000);
    const longOne = (content: string) =>
      a.publishing.appender.append(fromSocket({ room_id: roomId, session_id: sessionId, user_id: 'writer', content, client_msg_id: `c${++sent}` }));
    await longOne(emoji);
    await Promise.all([longOne(quotes), longOne(quotes)]);
    // A message too long for one notification, between short ones of its batch: they keep their order.
    await Promise.all([longOne('before'), longOne(emoji), longOne('after')]);
    await expect.poll(() => contents.length, { timeout: 5_000 }).toBe(6);
    expect(contents.map((c) => c.length)).toEqual([emoji.length, quotes.length, quotes.length, 6, emoji.length, 5]);
    expect(contents).toEqual([emoji, quotes, quotes, 'before', emoji, 'after']);
    sub.unsubscribe();
  });
});

async function terminateLeader(): Promise<void> {
  const { rows } = await sql<{ done: boolean }>`
    SELECT pg_terminate_backend(pid) AS done FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(t.db);
  expect(rows).toEqual([{ done: true }]);
}

describe('room heads', () => {
  it('the relay leader alone sends a room’s head after its entries, three intervals after the last append, then stops', async () => {
    const a = await instance(100);
    await relayReady(a);
    const b = await instance(100);
    const roomId = (await listen()).roomId;
    const heard: RoomEvent[] = [];
    const tap = bus.subscribe(subjects.chatRoom(roomId), (e: RoomEvent) => void heard.push(e));
    await tap.ready;
    for (let i = 0; i < 3; i++) await append(b, roomId); // committed by b, published by the leader a
    await expect.poll(() => heard.filter((e) => e.kind === 'head' && e.seq === 3).length, { timeout: 5_000 }).toBe(3);
    await new Promise((r) => setTimeout(r, 500));
    tap.unsubscribe();
    const heads = heard.filter((e) => e.kind === 'head');
    // b published nothing, so it has no heads to send: three from a, no more, none ahead of its entries.
    expect(heads.filter((e) => e.seq === 3)).toHaveLength(3);
    expect(heads.at(-1)).toEqual({ kind: 'head', room_id: roomId, seq: 3 });
    let published = 0;
    for (const e of heard) {
      if (e.kind === 'message') published = e.message.seq;
      if (e.kind === 'head') expect(e.seq).toBeLessThanOrEqual(published);
    }
  });
});

describe('chunks', () => {
  it('cuts a payload over the NOTIFY limit into parts of at most 7,800 UTF-8 bytes, never inside a surrogate pair, that join back', () => {
    const json = JSON.stringify({ content: '😀'.repeat(3_000) + 'x' + '界'.repeat(4_000) });
    const parts = chunks(json, 41);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThan(8_000);
    expect(parts.slice(0, -1).every((p) => p.startsWith('+'))).toBe(true);
    expect(parts.at(-1)!.startsWith('.')).toBe(true);
    expect(new Set(parts).size).toBe(parts.length);
    expect(parts.map((p) => p.slice(p.indexOf(':') + 1)).join('')).toBe(json);
    expect(chunks('{"a":1}')).toEqual(['={"a":1}']);
  });

  it('joins a payload from its first chunk on, dropping what a lost connection left half-joined', () => {
    const published: Relayed[] = [];
    const relay = new PublishRelay({ databaseUrl: t.url, logger, publish: (r) => void published.push(r) });
    const heard = (p: string) => (relay as unknown as { heard(p: string): void; setLeader(l: boolean): void }).heard(p);
    (relay as unknown as { setLeader(l: boolean): void }).setLeader(true);
    const relayed: Relayed = { room_id: 'r', event: { content: 'x'.repeat(6_000) } };
    heard(chunks(JSON.stringify({ room_id: 'r', event: { content: 'y'.repeat(6_000) } }), 5)[0]!);
    for (const p of chunks(JSON.stringify(relayed), 6)) heard(p);
    expect(published).toEqual([relayed]);
  });
});
