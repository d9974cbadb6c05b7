/* eslint-disable no-console -- a benchmark prints its numbers */
/**
 * The hops of a lone append, one request in flight at a time (no batching, no queueing): what each
 * round trip costs on this machine, so send→ack can be read as a sum of hops.
 *   npm run bench:hops -w @parley/gateway
 */
import { connectNats, createNatsBus, silentLogger, subjects } from '@parley/bus';
import pg from 'pg';
import { cpuSeconds, createDatabase, NATS_URL, percentile, sleep, startService } from './procs.js';

const N = Number(process.env['BENCH_HOPS'] ?? 300);

/** Processes whose CPU time per call is reported: this script's Postgres backend, the api. */
const cpuOf: Record<string, number> = {};

async function time(what: string, once: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 30; i++) await once();
  const took: number[] = [];
  const before = Object.fromEntries(Object.entries(cpuOf).map(([k, pid]) => [k, cpuSeconds(pid)]));
  for (let i = 0; i < N; i++) {
    const at = performance.now();
    await once();
    took.push(performance.now() - at);
    await sleep(3);
  }
  const cpu = Object.entries(cpuOf)
    .map(([k, pid]) => `${k} ${(((cpuSeconds(pid) - (before[k] ?? 0)) * 1e6) / N).toFixed(0)}`)
    .join(', ');
  took.sort((a, b) => a - b);
  console.log(
    `${what.padEnd(46)} p50 ${percentile(took, 50).toFixed(3)} ms  p90 ${percentile(took, 90).toFixed(3)} ms  p99 ${percentile(took, 99).toFixed(3)} ms  CPU µs per call: ${cpu}`,
  );
}

async function main(): Promise<void> {
  const db = await createDatabase();
  const prefix = `hops_${process.pid}`;
  const api = await startService('api', {
    DATABASE_URL: db.url,
    NATS_URL,
    BUS_SUBJECT_PREFIX: prefix,
    MIGRATE_ON_START: 'true',
    ...(process.env['BENCH_API_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_API_NODE_OPTIONS'] } : {}),
  });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  cpuOf['this backend'] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  cpuOf['api'] = api.pid;
  const nc = await connectNats({ servers: NATS_URL, name: 'bench-hops' });
  const echo = await connectNats({ servers: NATS_URL, name: 'bench-hops-echo' });
  echo.subscribe(`${prefix}.echo`, { callback: (_err, m) => void m.respond(m.data) });
  const bus = createNatsBus(nc, { logger: silentLogger, subjectPrefix: prefix });
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<Record<string, string>>,
      );
    await post('/api/rooms/', { room_id: 'hops', name: 'hops' });
    const session = await post('/api/sessions/', { user_id: 'hops' });
    await time('postgres SELECT 1', () => client.query('SELECT 1'));
    await time('postgres BEGIN; SELECT 1; COMMIT (3 trips)', async () => {
      await client.query('BEGIN');
      await client.query('SELECT 1');
      await client.query('COMMIT');
    });
    await client.query('CREATE TEMP TABLE t (x int)');
    await time('postgres INSERT (one fsync)', () => client.query('INSERT INTO t VALUES (1)'));
    await client.query('CREATE TABLE IF NOT EXISTS hops_t (x int)');
    await time('postgres INSERT, logged table (one fsync)', () => client.query('INSERT INTO hops_t VALUES (1)'));
    await time('nats request/reply (echo, other connection)', () => nc.request(`${prefix}.echo`, new Uint8Array(100)));
    let n = 0;
    const append = (id: string) =>
      client.query('SELECT * FROM parley_append_messages($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::boolean[])', [
        ['hops'],
        [session['session_id']],
        ['hops'],
        ['hop'],
        [id],
        [false],
      ]);
    await time('append function, one statement (autocommit)', () => append(`a${n++}`));
    await time('append notifying the relay, one statement', () =>
      client.query('SELECT * FROM parley_append_messages_notify($1, $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::boolean[])', [
        'hops',
        [null],
        ['hops'],
        [session['session_id']],
        ['hops'],
        ['hop'],
        [`c${n++}`],
        [false],
      ]),
    );
    await time('BEGIN; append; pg_notify; COMMIT (the old relay)', async () => {
      await client.query('BEGIN');
      await append(`b${n++}`);
      await client.query("SELECT pg_notify('hops', 'x')");
      await client.query('COMMIT');
    });
    await time('api.message.append over the bus (whole api)', () =>
      bus.request(
        subjects.api.appendMessage,
        { room_id: 'hops', session_id: session['session_id']!, user_id: 'hops', content: 'hop', client_msg_id: `h${n++}` },
        { timeoutMs: 5_000 },
      ),
    );
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    const sum = Number(/parley_api_append_commit_seconds_sum(?:\{[^}]*\})? (\S+)/.exec(metrics)?.[1]);
    const count = Number(/parley_api_append_commit_seconds_count(?:\{[^}]*\})? (\S+)/.exec(metrics)?.[1]);
    console.log(`${'api append transaction, mean (its metric)'.padEnd(46)} ${((1000 * sum) / count).toFixed(3)} ms over ${count} commits`);
  } finally {
    await client.end();
    await nc.drain();
    await echo.drain();
    await api.stop();
    await db.drop();
  }
}

await main();
