/* eslint-disable no-console -- a benchmark prints its numbers */
/**
 * What the webhook outbox costs the append path: appends through the one MessageAppender (group
 * commit, 64 in flight) on a fresh database, with no endpoint (the triggers find none and write
 * nothing) and then with an endpoint hearing message.created (every append also writes its
 * outbox row in its transaction; no relay runs, so only the write is measured). Prints
 * appends/s and per-append latency. `npm run bench:webhooks -w @parley/api`; DATABASE_URL names
 * the server (a database `parley_bench_<random>` is created and dropped).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb } from '../src/db/db.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { fromSocket, MessageAppender } from '../src/messages/append.js';
import { insertSession } from '../src/sessions/sessions.repository.js';
import { insertEndpoint } from '../src/webhooks/webhooks.repository.js';

const server = process.env['DATABASE_URL'] ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const TOTAL = Number(process.env['BENCH_APPENDS'] ?? 20_000);
const IN_FLIGHT = 64;

const name = `parley_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(server);
url.pathname = `/${name}`;
const db = createDb({ url: url.toString(), poolMax: 10 });

async function run(label: string): Promise<void> {
  const session = await insertSession(db, { user_id: 'bench', ttl_ms: 3_600_000 });
  const appender = new MessageAppender(db);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < TOTAL) {
        const i = next++;
        const t0 = performance.now();
        await appender.append(
          fromSocket({ room_id: 'general', session_id: session.session_id, user_id: 'bench', content: `m${i}`, client_msg_id: `${label}-${i}` }),
        );
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2);
  console.log(`${label.padEnd(32)} ${Math.round(TOTAL / seconds)} appends/s   p50 ${q(0.5)} ms   p99 ${q(0.99)} ms`);
}

try {
  await migrateToLatest(db);
  await run('no endpoint (warm-up)');
  await run('no endpoint');
  await insertEndpoint(db, '00000000-0000-4000-8000-000000000001', { url: 'http://127.0.0.1:9/', events: ['message.created'], secret: 'x'.repeat(16) });
  await run('endpoint hears message.created');
  const { count } = await db
    .selectFrom('webhook_outbox')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  console.log(`outbox rows written: ${count} (expected ${TOTAL})`);
  // Again without, to see the machine's drift between runs.
  await db.deleteFrom('webhook_endpoints').execute();
  await run('no endpoint (again)');
} finally {
  await db.destroy();
  await admin.query(`DROP DATABASE ${name}`);
  await admin.end();
}
