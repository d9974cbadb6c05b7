/* eslint-disable no-console -- a benchmark prints its numbers */
/**
 * What durable events cost the append path, against the Postgres of DATABASE_URL's server (a
 * scratch database of its own): one appender, everything queued at once, as group commit sees a
 * burst. Prints appends/s, commits and the mean batch for messages alone, reactions alone, and
 * messages mixed with edits. `npm run bench:events -w @parley/api`.
 */
import pg from 'pg';
import { createDb } from '../src/db/db.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { MessageAppender, fromSocket } from '../src/messages/append.js';
import { insertSession } from '../src/sessions/sessions.repository.js';
import { insertRoom } from '../src/rooms/rooms.repository.js';

const server = new URL(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const name = `parley_bench_events_${process.pid}`;
const admin = new pg.Client({ connectionString: new URL('/postgres', server).toString() });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const db = createDb({ url: new URL(`/${name}`, server).toString(), poolMax: 4 });
await migrateToLatest(db);
const s = await insertSession(db, { user_id: 'u', ttl_ms: 3_600_000 });
for (let r = 0; r < 10; r++) await insertRoom(db, { room_id: `r${r}`, name: 'r', description: '', category: 'general' });
const batches: number[] = [];
const appender = new MessageAppender(db, { onBatch: (n) => batches.push(n), limits: { editWindowMs: 0, maxReactions: 1000 } });
const N = 2000;
const time = async (label: string, work: () => Promise<unknown>[]) => {
  batches.length = 0;
  const t0 = performance.now();
  await Promise.all(work());
  const ms = performance.now() - t0;
  console.log(
    `${label}: ${N} in ${ms.toFixed(0)} ms = ${((N / ms) * 1000).toFixed(0)}/s, ${batches.length} commits, mean batch ${(N / batches.length).toFixed(1)}`,
  );
};
const ids: string[] = [];
await time('messages only', () =>
  Array.from({ length: N }, (_, i) =>
    appender
      .append(fromSocket({ room_id: `r${i % 10}`, session_id: s.session_id, user_id: 'u', content: `m${i}`, client_msg_id: null }))
      .then((r) => void ids.push(r.message.message_id)),
  ),
);
const roomOf = new Map<string, string>();
for (const row of await db.selectFrom('messages').select(['message_id', 'room_id']).execute()) roomOf.set(row.message_id, row.room_id);
await time('reactions only', () =>
  Array.from({ length: N }, (_, i) =>
    appender.appendEvent({
      type: 'reaction_added',
      room_id: roomOf.get(ids[i]!)!,
      author: { user_id: 'u', session_id: s.session_id },
      message_id: ids[i]!,
      emoji: '👍',
      client_msg_id: null,
    }),
  ),
);
await time('half messages, half edits', () =>
  Array.from({ length: N }, (_, i) =>
    i % 2 === 0
      ? appender.append(fromSocket({ room_id: `r${i % 10}`, session_id: s.session_id, user_id: 'u', content: `x${i}`, client_msg_id: null }))
      : appender.appendEvent({
          type: 'message_edited',
          room_id: roomOf.get(ids[i]!)!,
          author: { user_id: 'u', session_id: s.session_id },
          message_id: ids[i]!,
          content: `e${i}`,
          client_msg_id: null,
        }),
  ),
);
await db.destroy();
await admin.query(`DROP DATABASE ${name}`);
await admin.end();
