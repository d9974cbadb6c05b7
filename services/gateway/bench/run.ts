/* eslint-disable no-console -- a benchmark prints its numbers */
/**
 * Gateway benchmark: loopback only, bounded (a few minutes), never part of `npm test`.
 * Run: `npm run bench -w @parley/gateway` (needs NATS and Postgres: NATS_URL, DATABASE_URL or the
 * local defaults). The load generator runs in this process, on the same machine.
 *
 * 1. Idle (run last): RSS per connection of a gateway process (built `dist`, plain node, as deployed)
 *    holding BENCH_IDLE (10,000) welcomed sockets, beside a bare `ws` server holding as many
 *    (BENCH_IDLE=0 skips it).
 * 2. Store floor: `api.message.append` straight over the bus at BENCH_RATE, no gateway. The store's
 *    throughput runs after the broadcast steps (a backlog it leaves would load them):
 *    BENCH_STORE_RATE (10,000) appends/s across BENCH_STORE_ROOMS (100) rooms for
 *    BENCH_STORE_SECONDS (5) on one API instance, with its commits/s and messages per commit.
 * 3. Broadcast: BENCH_ROOMS (10) rooms × BENCH_MEMBERS (100) members on one gateway process,
 *    BENCH_RATE (100) messages/s for BENCH_SECONDS (20) after BENCH_WARMUP_SECONDS (2) at that rate
 *    that are not reported, persistence on (real API and Postgres):
 *    send→deliver p50/p99, delivered/expected, duplicates and holes per member; then a ramp
 *    (BENCH_RAMP rates, BENCH_RAMP_SECONDS each) up to the highest rate held at p99 < 50 ms with
 *    nothing lost. The bare `ws` broadcast server (no persistence) runs the same load: the ceiling.
 *    Between the sustained step and the ramp, the sustained step again with a second API instance
 *    (appends spread over both by the queue group). Each step reports the gateway's hole holds
 *    (`parley_gateway_live_holes_total` during it). BENCH_SECONDS=0 skips it.
 *    BENCH_GATEWAY_NODE_OPTIONS and BENCH_API_NODE_OPTIONS are passed to that gateway and to the
 *    API as NODE_OPTIONS (profiling).
 *    After the sustained step, the same load with every member also sending `typing` at
 *    BENCH_TYPING (1) frames/s (0 skips it): message p50/p99 beside the run without typing.
 * 4. Traced (BENCH_TRACING=0 skips it): the sustained broadcast load again, on a second API and a
 *    gateway with OpenTelemetry on (OTEL_EXPORTER_OTLP_ENDPOINT at a local sink that takes every
 *    export), beside step 3's untraced figures.
 * 5. Embedded (BENCH_EMBEDDED=0 skips it): the same broadcast load on `npm start`'s embedded mode,
 *    every service in one process on PGlite (in memory), the memory bus and memory presence.
 * Last, the ratios issue 17 asks for, each against bare `ws` in this same run (figures on this
 * shared machine vary run to run; ratios within one run do not carry that drift).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BroadcastLoad, type StepResult } from './broadcast.js';
import { measureIdle, type IdleResult } from './idle.js';
import { buildGateway, cpuSeconds, createDatabase, sleep, NATS_URL, startBare, startBuiltGateway, startEmbedded, startService, type Proc } from './procs.js';
import { startOtlpSink } from './otlp-sink.js';
import { measureStore, type StoreResult } from './store.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const IDLE = env('BENCH_IDLE', 10_000);
const ROOMS = env('BENCH_ROOMS', 10);
const MEMBERS = env('BENCH_MEMBERS', 100);
const RATE = env('BENCH_RATE', 100);
const SECONDS = env('BENCH_SECONDS', 20);
const RAMP = (process.env['BENCH_RAMP'] ?? '200,400,800,1600')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const RAMP_SECONDS = env('BENCH_RAMP_SECONDS', 5);
const WARMUP_SECONDS = env('BENCH_WARMUP_SECONDS', 2);
const STORE_RATE = env('BENCH_STORE_RATE', 10_000);
const STORE_ROOMS = env('BENCH_STORE_ROOMS', 100);
const STORE_SECONDS = env('BENCH_STORE_SECONDS', 5);
/** Typing frames per member per second in the gateway's typing step (0 skips it). */
const TYPING_PER_SEC = env('BENCH_TYPING', 1);
const P99_CEILING_MS = 50;
const nodeOptions = (name: string): Record<string, string> => (process.env[name] ? { NODE_OPTIONS: process.env[name] } : {});

const ws = (proc: Proc) => proc.url.replace('http://', 'ws://');
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const label = (name: string) => name.padEnd(12);

function printIdle(name: string, r: IdleResult): void {
  console.log(
    `${label(name)} ${r.connections} sockets  RSS ${fmt(r.baselineMiB)} → ${fmt(r.loadedMiB)} MiB` +
      `  = ${fmt(r.perConnectionKiB, 2)} KiB/connection  (opened in ${fmt(r.connectSeconds)} s)`,
  );
}

function printStep(name: string, r: StepResult): void {
  const cpu = Object.entries(r.cpu)
    .map(([k, v]) => `${k} ${fmt(v, 0)}`)
    .join(', ');
  console.log(
    `${label(name)} ${r.rate} msg/s × ${r.seconds} s: sent ${r.sent}, accepted ${r.accepted}, errors ${r.errors}, ` +
      `delivered ${r.delivered}/${r.expected} (${fmt((100 * r.delivered) / Math.max(1, r.expected), 2)}%), dup ${r.duplicates}, holes ${r.gaps}; ` +
      `send→deliver p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, max ${fmt(r.max, 1)} ms; CPU % of a core: ${cpu}`,
  );
  const stage = (s: { p50: number; p99: number }) => `p50 ${fmt(s.p50, 2)} / p99 ${fmt(s.p99, 2)} ms`;
  const { ack, first, spread } = r.stages;
  console.log(`${label('')} stages: send→ack ${stage(ack)}; send→first delivery ${stage(first)}; first→last delivery ${stage(spread)}`);
}

const held = (r: StepResult) => r.p99 < P99_CEILING_MS && r.errors === 0 && r.delivered >= r.expected && r.duplicates === 0 && r.gaps === 0;

/** What one server did under the broadcast load: the sustained step, the ramp's best, and for the gateway its hole holds. */
interface BroadcastFigures {
  sustained?: StepResult;
  best?: StepResult;
  /** Two api instances (gateway only). */
  twoApis?: StepResult;
  /** The sustained step again with every member also typing (gateway only). */
  typing?: StepResult;
  holes?: number;
  holesTwoApis?: number;
}

/** The figures the summary compares, filled in as the steps run. */
const results: { gateway: BroadcastFigures; bare: BroadcastFigures; store?: StoreThroughput; idle: Partial<Record<'gateway' | 'bare', IdleResult>> } = {
  gateway: {},
  bare: {},
  idle: {},
};

interface Hooks {
  /** Counts the gateway's hole holds (its live-holes counter) around a step. */
  holes?: () => Promise<number>;
  /** Between the sustained step and the ramp, on the same sockets. */
  between?: (load: BroadcastLoad) => Promise<void>;
}

/** The sustained rate, then the ramp until a step is not held. */
async function broadcast(
  name: string,
  proc: Proc,
  rooms: string[],
  watch: Record<string, () => number[]>,
  ramp = RAMP,
  hooks: Hooks = {},
  figures: BroadcastFigures = {},
): Promise<void> {
  const load = await BroadcastLoad.connect({ base: ws(proc), rooms, members: MEMBERS, sendersPerRoom: 10, gateway: name !== 'bare ws', watch });
  try {
    // Not reported: the first messages of a run find the send path not yet compiled by the JIT.
    if (WARMUP_SECONDS > 0) await load.run(RATE, WARMUP_SECONDS);
    const holesBefore = await hooks.holes?.();
    figures.sustained = await load.run(RATE, SECONDS);
    printStep(name, figures.sustained);
    if (hooks.holes && holesBefore !== undefined) {
      figures.holes = (await hooks.holes()) - holesBefore;
      console.log(`${label('')} hole holds during the step: ${figures.holes}`);
    }
    if (name === 'gateway' && TYPING_PER_SEC > 0) {
      // The same load with every member typing too: typing has its own bucket and lane, and must not slow messages.
      figures.typing = await load.run(RATE, SECONDS, TYPING_PER_SEC);
      printStep('gw +typing', figures.typing);
      const t = figures.typing.typing!;
      console.log(
        `${label('')} typing: ${t.sent} frames sent (${TYPING_PER_SEC}/s × ${ROOMS * MEMBERS} members), ${t.delivered} user_typing delivered; ` +
          `messages p50 ${fmt(figures.typing.p50, 2)} / p99 ${fmt(figures.typing.p99, 2)} ms against p50 ${fmt(figures.sustained.p50, 2)} / p99 ${fmt(figures.sustained.p99, 2)} ms without`,
      );
    }
    await hooks.between?.(load);
    if (ramp.length === 0) return;
    for (const rate of ramp) {
      const step = await load.run(rate, RAMP_SECONDS);
      printStep(`${name} ramp`, step);
      if (!held(step)) break;
      figures.best = step;
    }
    const { best } = figures;
    console.log(
      `${label(name)} highest rate held (p99 < ${P99_CEILING_MS} ms, nothing lost): ` +
        (best ? `${best.rate} msg/s = ${best.rate * MEMBERS} deliveries/s` : `below ${ramp[0]} msg/s`),
    );
  } finally {
    await load.close();
  }
}

/**
 * nats-server and Postgres processes when they run on this machine (their CPU is reported too).
 * Listed again at each reading: Postgres starts a process per connection.
 */
function infraPids(): Record<string, () => number[]> {
  // By process name: the postmaster (which holds ended backends' CPU time) and every backend.
  const pgrep = (name: string) => () => {
    try {
      return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').map(Number);
    } catch {
      return []; // not running here
    }
  };
  return { nats: pgrep('nats-server'), postgres: pgrep('postgres') };
}

async function metricLines(url: string, names: string[]): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => names.some((n) => line.startsWith(n)))
    .map((line) => line.replace(/\{[^}]*?(path="\w+")?[^}]*\}/, (_m, path?: string) => (path ? `{${path}}` : '')))
    .join(', ');
}

/** The sum of every sample of `name` (all label sets) on a service's /metrics. */
async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

interface StoreThroughput extends StoreResult {
  /** From the first request until the api stopped committing. */
  readonly seconds: number;
  readonly commits: number;
  readonly messages: number;
}

/** STORE_RATE appends/s over STORE_ROOMS rooms on one api instance: its commits from its batch-size histogram. */
async function storeThroughput(api: Proc, prefix: string): Promise<StoreThroughput> {
  const rooms = Array.from({ length: STORE_ROOMS }, (_, i) => `store-${i}`);
  for (const room_id of rooms) await createRoom(api.url, room_id);
  const before = {
    commits: await metricSum(api.url, 'parley_api_append_batch_size_count'),
    messages: await metricSum(api.url, 'parley_api_append_batch_size_sum'),
  };
  const started = performance.now();
  const store = await measureStore(NATS_URL, prefix, api.url, rooms, STORE_RATE, STORE_SECONDS);
  // Requests that timed out may still be queued in the api: wait until it stops committing, and
  // count its throughput over the whole time it was busy.
  let last = -1;
  for (let now = 0; now !== last; await sleep(1_000)) [last, now] = [now, await metricSum(api.url, 'parley_api_append_batch_size_count')];
  const seconds = (performance.now() - started) / 1_000 - 1;
  const commits = (await metricSum(api.url, 'parley_api_append_batch_size_count')) - before.commits;
  const messages = (await metricSum(api.url, 'parley_api_append_batch_size_sum')) - before.messages;
  return { ...store, seconds, commits, messages };
}

async function createRoom(base: string, room_id: string): Promise<void> {
  const created = await fetch(`${base}/api/rooms/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room_id, name: room_id }),
  });
  if (created.status !== 201) throw new Error(`room ${room_id}: ${created.status}`);
}

interface Setup {
  readonly api: Proc;
  /** The run's database URL. */
  readonly db: string;
  readonly bare: Proc;
  readonly prefix: string;
  readonly gatewayEnv: Record<string, string>;
  start(starting: Promise<Proc>): Promise<Proc>;
}

async function broadcastRun({ api, bare, prefix, gatewayEnv, start, db }: Setup): Promise<void> {
  console.log(`\n# Broadcast: ${ROOMS} rooms × ${MEMBERS} members; gateway with persistence (API + Postgres), bare ws without`);
  const rooms = Array.from({ length: ROOMS }, (_, i) => `bench-${i}`);
  for (const room_id of rooms) await createRoom(api.url, room_id);
  const store = await measureStore(NATS_URL, prefix, api.url, rooms, RATE, Math.min(SECONDS, 10));
  console.log(
    `${label('store only')} ${store.rate} appends/s over the bus, no gateway: stored ${store.stored}/${store.sent}; p50 ${fmt(store.p50, 2)} ms, p99 ${fmt(store.p99, 2)} ms`,
  );
  const gateway = await start(
    startService('gateway', {
      ...gatewayEnv,
      // The ramp sends up to the top of BENCH_RAMP from 100 senders: lift the per-connection limits.
      WS_MESSAGE_RATE_PER_SEC: '1000',
      WS_MESSAGE_BURST: '1000',
      WS_CONNECTIONS_PER_IP: String(ROOMS * MEMBERS + 100),
      ...nodeOptions('BENCH_GATEWAY_NODE_OPTIONS'),
    }),
  );
  const holes = () => metricSum(gateway.url, 'parley_gateway_live_holes_total');
  const watch = { gateway: () => [gateway.pid], api: () => [api.pid], ...infraPids() };
  // The sustained step again with a second api instance: the queue group spreads appends over both.
  const twoApis = async (load: BroadcastLoad) => {
    const second = await startService('api', { DATABASE_URL: db, NATS_URL, BUS_SUBJECT_PREFIX: prefix, ...nodeOptions('BENCH_API_NODE_OPTIONS') });
    try {
      load.watch({ ...watch, api: () => [api.pid, second.pid] });
      await load.run(RATE, WARMUP_SECONDS || 1);
      const before = await holes();
      const step = (results.gateway.twoApis = await load.run(RATE, SECONDS));
      printStep('2 api', step);
      results.gateway.holesTwoApis = (await holes()) - before;
      console.log(`${label('')} hole holds during the step: ${results.gateway.holesTwoApis}`);
    } finally {
      await second.stop();
      load.watch(watch);
    }
  };
  await broadcast('gateway', gateway, rooms, watch, RAMP, { holes, between: twoApis }, results.gateway);
  // prom-client's event-loop figures include its 10 ms sampling resolution.
  const lag = ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds'];
  const gatewaySeries = [
    'parley_gateway_messages_out_total',
    'parley_gateway_broadcasts_encoded_total',
    'parley_gateway_live_holes_total',
    'parley_gateway_late_messages_total',
    'parley_gateway_head_catchups_total',
    'parley_gateway_send_ack_seconds_sum',
    'parley_gateway_send_ack_seconds_count',
  ];
  console.log(`${label('gateway')} ${await metricLines(gateway.url, [...gatewaySeries, ...lag])}`);
  console.log(
    `${label('api')} ${await metricLines(api.url, ['parley_api_append_batch_size_sum', 'parley_api_append_batch_size_count', 'parley_api_append_commit_seconds_sum', 'parley_api_append_commit_seconds_count', ...lag])}`,
  );
  await gateway.stop();
  await broadcast('bare ws', bare, rooms, { bare: () => [bare.pid] }, RAMP, {}, results.bare);
}

/** Step 3's sustained load with OpenTelemetry on in the API and the gateway, exporting to a local sink. */
async function tracedRun({ start }: Setup, db: string): Promise<void> {
  console.log(`\n# Traced: the same ${ROOMS} × ${MEMBERS} load with OTEL_EXPORTER_OTLP_ENDPOINT set (a local sink takes every export)`);
  const sink = await startOtlpSink();
  try {
    const prefix = `bench_${randomBytes(4).toString('hex')}`;
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url };
    const api = await start(startService('api', { DATABASE_URL: db, NATS_URL, BUS_SUBJECT_PREFIX: prefix, ...otel }));
    const gateway = await start(
      startService('gateway', {
        NATS_URL,
        BUS_SUBJECT_PREFIX: prefix,
        WS_MESSAGE_RATE_PER_SEC: '1000',
        WS_MESSAGE_BURST: '1000',
        WS_CONNECTIONS_PER_IP: String(ROOMS * MEMBERS + 100),
        ...otel,
      }),
    );
    const rooms = Array.from({ length: ROOMS }, (_, i) => `bench-${i}`);
    await broadcast('traced', gateway, rooms, { gateway: () => [gateway.pid], api: () => [api.pid], ...infraPids() }, []);
    await gateway.stop();
    await api.stop();
    console.log(`${label('traced')} the sink took ${sink.received.requests} exports, ${fmt(sink.received.bytes / 1_048_576)} MiB`);
  } finally {
    await sink.close();
  }
}

/** The same rooms and load on embedded mode: one process, so one CPU figure holds every service. */
async function embeddedRun(start: Setup['start']): Promise<void> {
  console.log(`\n# Embedded mode: ${ROOMS} rooms × ${MEMBERS} members, every service in one process (PGlite in memory, memory bus, memory presence)`);
  const embedded = await startEmbedded({ WS_MESSAGE_RATE_PER_SEC: '1000', WS_MESSAGE_BURST: '1000', WS_CONNECTIONS_PER_IP: String(ROOMS * MEMBERS + 100) });
  await start(Promise.resolve(embedded));
  const rooms = Array.from({ length: ROOMS }, (_, i) => `bench-${i}`);
  for (const room_id of rooms) await createRoom(embedded.edge, room_id);
  await broadcast('embedded', embedded, rooms, { embedded: () => [embedded.pid] });
  await embedded.stop();
}

/** The store's throughput, after the broadcast steps: a backlog it leaves must not load them. */
async function storeMaxRun({ api, prefix }: Setup): Promise<void> {
  console.log(`\n# Store: ${STORE_RATE} appends/s asked over the bus across ${STORE_ROOMS} rooms for ${STORE_SECONDS} s, one api instance, no gateway`);
  const watched = { api: () => [api.pid], ...infraPids() };
  const cpu = () => Object.fromEntries(Object.entries(watched).map(([k, pids]) => [k, pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0)]));
  const before = cpu();
  const t = (results.store = await storeThroughput(api, prefix));
  const after = cpu();
  const usage = Object.keys(after)
    .map((k) => `${k} ${fmt((100 * ((after[k] ?? 0) - (before[k] ?? 0))) / t.seconds, 0)}`)
    .join(', ');
  console.log(
    `${label('store max')} committed ${t.messages} in ${fmt(t.seconds)} s = ${fmt(t.messages / t.seconds, 0)}/s; answered within 10 s ${t.stored}/${t.sent}, ` +
      `append p50 ${fmt(t.p50, 2)} ms, p99 ${fmt(t.p99, 2)} ms; ` +
      `${fmt(t.commits / t.seconds, 0)} commits/s, ${fmt(t.messages / Math.max(1, t.commits))} messages per commit; CPU % of a core: ${usage}`,
  );
}

async function idleRun({ gatewayEnv, start }: Setup): Promise<void> {
  console.log(`\n# Idle connections (${IDLE}), RSS of a fresh server process (the gateway from its built dist)`);
  buildGateway();
  const gateway = await start(startBuiltGateway({ ...gatewayEnv, WS_MAX_CONNECTIONS: String(IDLE + 1_000), WS_CONNECTIONS_PER_IP: String(IDLE + 1_000) }));
  printIdle('gateway', (results.idle.gateway = await measureIdle(gateway.pid, `${ws(gateway)}/ws/chat/`, IDLE)));
  await gateway.stop();
  const bare = await start(startBare());
  printIdle('bare ws', (results.idle.bare = await measureIdle(bare.pid, `${ws(bare)}/ws/chat/`, IDLE)));
  await bare.stop();
}

/** Issue 17's targets, each as a ratio to bare `ws` in this run (or the absolute target for the store). */
function printSummary(): void {
  console.log('\n# Against bare ws in this run (issue 17 targets)');
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : NaN);
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const line = (what: string, value: number, target: string, ok: boolean, detail: string) =>
    console.log(`${what.padEnd(44)} ${fmt(value, 2).padStart(7)}  (target ${target}: ${verdict(ok)})  ${detail}`);
  const { gateway, bare, store, idle } = results;
  const bareP99 = bare.sustained?.p99;
  if (bareP99 !== undefined) {
    const p99 = (r: StepResult | undefined) => ratio(r?.p99, bareP99);
    const lost = (r: StepResult | undefined) => (r ? r.expected - r.delivered + r.errors : NaN);
    for (const [what, r, holes] of [
      ['p99 ratio, one api instance', gateway.sustained, gateway.holes],
      ['p99 ratio, two api instances', gateway.twoApis, gateway.holesTwoApis],
    ] as const) {
      line(what, p99(r), '≤ 2', p99(r) <= 2 && lost(r) === 0, `${fmt(r?.p99 ?? NaN, 2)} vs ${fmt(bareP99, 2)} ms; lost ${lost(r)}, hole holds ${holes ?? '-'}`);
    }
    const deliveries = (f: BroadcastFigures) => (f.best ? f.best.rate * MEMBERS : undefined);
    const held = ratio(deliveries(gateway), deliveries(bare));
    line('highest rate held (deliveries/s) ratio', held, '≥ 0.7', held >= 0.7, `${deliveries(gateway) ?? '-'} vs ${deliveries(bare) ?? '-'} deliveries/s`);
  }
  if (idle.gateway && idle.bare) {
    const rss = ratio(idle.gateway.perConnectionKiB, idle.bare.perConnectionKiB);
    line(
      'idle RSS per connection ratio (built dist)',
      rss,
      '≤ 1.2',
      rss <= 1.2,
      `${fmt(idle.gateway.perConnectionKiB, 2)} vs ${fmt(idle.bare.perConnectionKiB, 2)} KiB`,
    );
  }
  if (store) {
    const perSecond = store.messages / store.seconds;
    line(
      'store appends/s, one api instance',
      perSecond,
      `≥ 10,000 at p99 < 20 ms`,
      perSecond >= 10_000 && store.p99 < 20 && store.stored === store.sent,
      `append p99 ${fmt(store.p99, 2)} ms over ${STORE_ROOMS} rooms; ${fmt(store.commits / store.seconds, 0)} commits/s, ${fmt(store.messages / Math.max(1, store.commits))} messages per commit`,
    );
  }
}

async function main(): Promise<void> {
  const db = await createDatabase();
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const started: Proc[] = [];
  const start = async (starting: Promise<Proc>) => {
    const proc = await starting;
    started.push(proc);
    return proc;
  };
  try {
    const api = await start(
      startService('api', { DATABASE_URL: db.url, NATS_URL, BUS_SUBJECT_PREFIX: prefix, MIGRATE_ON_START: 'true', ...nodeOptions('BENCH_API_NODE_OPTIONS') }),
    );
    const bare = await start(startBare());
    const setup: Setup = { api, bare, db: db.url, prefix, gatewayEnv: { NATS_URL, BUS_SUBJECT_PREFIX: prefix }, start };
    if (SECONDS > 0) await broadcastRun(setup);
    if (SECONDS > 0 && env('BENCH_TRACING', 1) !== 0) await tracedRun(setup, db.url);
    if (SECONDS > 0 && env('BENCH_EMBEDDED', 1) !== 0) await embeddedRun(start);
    if (STORE_RATE > 0) await storeMaxRun(setup);
    // Idle last: its 10,000 sessions and their final statistics keep Postgres busy for a while.
    if (IDLE > 0) await idleRun(setup);
    printSummary();
  } finally {
    for (const proc of started.reverse()) await proc.stop();
    await db.drop();
  }
}

await main();
