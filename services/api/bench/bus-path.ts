/* eslint-disable no-console -- a benchmark prints its numbers */
/**
 * The api's CPU per appended message on its bus path alone, without SQL: a child process serves
 * `api.message.append` exactly as the api does (the NATS bus with its latency metrics, the bus
 * endpoint, row → message, the reply, the publish on the room's subject) over a stand-in appender
 * that "commits" whatever arrived each turn of the event loop without a database, and publishes
 * each entry after its reply, through a JSON round trip as the commit-order relay hears it. This
 * process asks BENCH_APPENDS (40,000) appends across 100 rooms with BENCH_IN_FLIGHT (500) in
 * flight and reads the child's CPU time from /proc (Linux): µs of api CPU per message, the part
 * of the store's cost that is not Postgres. BENCH_RUNS (5) runs, each in a fresh child; the
 * median and the lowest (the machine is shared: the lowest is the least disturbed).
 * `npm run bench:bus-path -w @parley/api` (needs NATS: NATS_URL or 127.0.0.1:4222).
 */
import { connectNats, createNatsBus, instrumentBus, silentLogger, subjects, type Bus } from '@parley/bus';
import { createLogger, createMetrics } from '@parley/observability';
import type { AppendMessageReply } from '@parley/protocol';
import { busMetrics } from '@parley/service';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { MessageAppender, NewMessage } from '../src/messages/append.js';
import { serveMessageEndpoints } from '../src/messages/messages.endpoints.js';
import { toStoredMessage } from '../src/messages/messages.mapper.js';
import { roomEventPublisher } from '../src/messages/messages.js';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const APPENDS = env('BENCH_APPENDS', 40_000);
const IN_FLIGHT = env('BENCH_IN_FLIGHT', 500);
const RUNS = env('BENCH_RUNS', 5);
const ROOMS = 100;

/** The api's side: the real bus, endpoint, mapper and publisher; commits without a database. */
async function serve(prefix: string): Promise<void> {
  const nc = await connectNats({ servers: NATS_URL, name: 'bench-bus-path-api' });
  const metrics = createMetrics({ service: 'api', instanceId: 'bench' });
  const logger = createLogger({ service: 'api', level: 'warn', instanceId: 'bench' });
  const bus: Bus = instrumentBus(createNatsBus(nc, { logger, subjectPrefix: prefix }), busMetrics(metrics));
  const publish = roomEventPublisher(bus);
  const seqs = new Map<string, number>();
  let batch: { request: NewMessage; resolve: (reply: AppendMessageReply) => void }[] = [];
  const commit = () => {
    const committed = batch;
    batch = [];
    const entries = committed.map(({ request, resolve }) => {
      const seq = (seqs.get(request.room_id) ?? 0) + 1;
      seqs.set(request.room_id, seq);
      const { user_id, session_id } = request.author;
      const row = {
        message_id: randomUUID(),
        room_id: request.room_id,
        seq,
        session_id,
        user_id,
        content: request.content,
        client_msg_id: request.client_msg_id,
        created_at: new Date(),
      };
      const message = toStoredMessage(row);
      resolve({ message, duplicate: false });
      return JSON.stringify({ room_id: message.room_id, event: { kind: 'message', message } });
    });
    // The relay hears each committed entry as JSON a moment after the commit.
    setImmediate(() => {
      for (const json of entries) {
        const { room_id, event } = JSON.parse(json) as { room_id: string; event: unknown };
        publish(room_id, event);
      }
    });
  };
  const appender = {
    append: (request: NewMessage) =>
      new Promise<AppendMessageReply>((resolve) => {
        if (batch.push({ request, resolve }) === 1) setImmediate(commit);
      }),
  } as unknown as MessageAppender;
  const served = serveMessageEndpoints({ db: undefined as never, bus, appender });
  await Promise.all(served.map((s) => s.ready));
  console.log('ready');
  await once(process, 'SIGTERM');
  await bus.drain();
  await nc.close();
}

/** CPU time (user + system) of a process so far, in seconds (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function run(): Promise<{ perMessageUs: number; perSecond: number }> {
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, 'serve', prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) if (line === 'ready') break;
  const nc = await connectNats({ servers: NATS_URL, name: 'bench-bus-path' });
  const bus = createNatsBus(nc, { logger: silentLogger, subjectPrefix: prefix });
  try {
    let published = 0;
    const heard = bus.subscribe(subjects.chatRoomWildcard(), () => void published++);
    await heard.ready;
    const session_id = randomUUID();
    const ask = (i: number) =>
      bus.request(
        subjects.api.appendMessage,
        { room_id: `room-${i % ROOMS}`, session_id, user_id: `user-${i % 20}`, content: 'bus path bench', client_msg_id: `m${i}` },
        { timeoutMs: 30_000 },
      );
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => ask(-1 - i))); // warm-up, not counted
    while (published < 1_000) await new Promise((r) => setTimeout(r, 10));
    const cpuBefore = cpuSeconds(child.pid!);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < APPENDS) await ask(next++);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    while (published < 1_000 + APPENDS) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(child.pid!) - cpuBefore;
    return { perMessageUs: (cpu / APPENDS) * 1e6, perSecond: APPENDS / seconds };
  } finally {
    await bus.drain();
    await nc.close();
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3]!);
} else {
  console.log(`# The api's bus path without SQL: ${APPENDS} appends across ${ROOMS} rooms, ${IN_FLIGHT} in flight, each replied to and published`);
  const costs: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const { perMessageUs, perSecond } = await run();
    costs.push(perMessageUs);
    console.log(
      `run ${i}: ${perMessageUs.toFixed(1)} µs of api CPU per message (${(perMessageUs / 10).toFixed(1)} % of a core per 1,000 messages/s), ${perSecond.toFixed(0)} appends/s`,
    );
  }
  costs.sort((a, b) => a - b);
  console.log(`api CPU per message: median ${costs[Math.floor(costs.length / 2)]!.toFixed(1)} µs, lowest ${costs[0]!.toFixed(1)} µs`);
}
