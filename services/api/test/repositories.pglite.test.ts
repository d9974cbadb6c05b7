import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createPgliteDb } from '../src/db/pglite.js';
import { fromSocket, MessageAppender } from '../src/messages/append.js';
import { insertRoom } from '../src/rooms/rooms.repository.js';
import { insertSession } from '../src/sessions/sessions.repository.js';
import { describeRepositoryContract } from './repositories.contract.js';

process.stderr.write('[parley/testing] repositories: pglite (in memory, this process)\n');

describeRepositoryContract('pglite', async () => {
  const db = await createPgliteDb();
  await migrateToLatest(db);
  return {
    db,
    close: () => db.destroy(),
    // PGlite is one session in this process: a second api "instance" is a second user of the same Db.
    second: async () => ({ db, close: async () => undefined }),
  };
});

// PGlite starts a whole Postgres (WASM, initdb) per instance: seconds, and many more on a loaded machine.
const SLOW = { timeout: 180_000 };

describe('PGlite: one session, shared by concurrent transactions', SLOW, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createPgliteDb();
    await migrateToLatest(db);
  }, SLOW.timeout);
  afterAll(() => db?.destroy());

  it('keeps every committed row when concurrent transactions roll back (the dialect serializes them)', async () => {
    await sql`CREATE TABLE t (n int)`.execute(db);
    // Unserialized, a rollback on the shared session discards rows of the transactions interleaved with it.
    const runs = Array.from({ length: 20 }, (_, i) =>
      db.transaction().execute(async (tx) => {
        await sql`INSERT INTO t VALUES (${i})`.execute(tx);
        await new Promise((r) => setTimeout(r, 1));
        await sql`INSERT INTO t VALUES (${i + 100})`.execute(tx);
        if (i % 5 === 0) throw new Error('roll back');
      }),
    );
    const settled = await Promise.allSettled(runs);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(4);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM t`.execute(db);
    expect(rows[0]?.n).toBe(32);
  });

  it('lands 300 concurrent appends to one room from three appenders gap-free, each acknowledged once', async () => {
    const s = await insertSession(db, { user_id: 'alice', ttl_ms: 60_000 });
    await insertRoom(db, { room_id: 'hot', name: 'Hot', description: '', category: 'general' });
    const appenders = [new MessageAppender(db, { maxBatch: 7 }), new MessageAppender(db, { maxBatch: 32 }), new MessageAppender(db)];
    // Ids repeat across appenders: 250 distinct messages, 50 retries racing their originals.
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        appenders[i % 3]!.append(fromSocket({ room_id: 'hot', session_id: s.session_id, user_id: 'alice', content: `m${i}`, client_msg_id: `c${i % 250}` })),
      ),
    );
    const stored = replies
      .filter((r) => !r.duplicate)
      .map((r) => r.message.seq)
      .sort((a, b) => a - b);
    expect(stored).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    const byId = new Map(replies.filter((r) => !r.duplicate).map((r) => [r.message.client_msg_id, r.message.message_id]));
    expect(replies.filter((r) => r.duplicate).every((r) => byId.get(r.message.client_msg_id) === r.message.message_id)).toBe(true);
    const { rows } = await sql<{ n: number; max: number }>`SELECT count(*)::int AS n, max(seq)::int AS max FROM messages WHERE room_id = 'hot'`.execute(db);
    expect(rows[0]).toEqual({ n: 250, max: 250 });
  });

  it('keeps the data in its directory across a close and a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-pglite-'));
    try {
      const first = await createPgliteDb({ dataDir: dir });
      await migrateToLatest(first);
      await insertRoom(first, { room_id: 'kept', name: 'Kept', description: '', category: 'general' });
      await first.destroy();
      const again = await createPgliteDb({ dataDir: dir });
      const { results } = await migrateToLatest(again);
      expect(results).toEqual([]);
      expect(await again.selectFrom('rooms').select('name').where('room_id', '=', 'kept').executeTakeFirst()).toEqual({ name: 'Kept' });
      await again.destroy();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
