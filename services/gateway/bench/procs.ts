import { freePort, spawnScript, startServiceProcess, type ServiceKind } from '@parley/testing/process';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const ADMIN_DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface Proc {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<unknown>;
}

/** Resident set size of a process, from /proc (Linux), in bytes. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/**
 * CPU time (user + system) a process has used so far, with that of its children that ended (a
 * Postgres backend's time moves to the postmaster when it exits), in seconds (Linux /proc).
 */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0; // gone (a Postgres backend that ended)
  }
}

/** A service's real entry point as a process (`startServiceProcess`), quiet unless it fails. */
export async function startService(kind: ServiceKind, env: Record<string, string>): Promise<Proc> {
  const proc = await startServiceProcess(kind, { env: { LOG_LEVEL: 'warn', ...env }, readyTimeoutMs: 60_000 });
  return { url: proc.url, pid: proc.child.pid ?? 0, child: proc.child, stop: () => proc.stop() };
}

/** Builds the gateway's `dist` (and its libraries') as a deployment would run it. */
export function buildGateway(): void {
  execFileSync('npx', ['nx', 'run', '@parley/gateway:build', '--outputStyle=static'], { cwd: ROOT, stdio: 'ignore' });
}

/** The built gateway (`node dist/main.js`, no tsx, libraries from their `dist`), ready once `/readyz` answers. */
export async function startBuiltGateway(env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['services/gateway/dist/main.js'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return waitReady(child, `http://127.0.0.1:${port}`, () => 'see the lines above');
}

/** The bare `ws` baseline server, ready once it answers `/readyz`. */
export async function startBare(): Promise<Proc> {
  const port = await freePort();
  const { child, output } = spawnScript('services/gateway/bench/bare-server.ts', { PORT: String(port), HOST: '127.0.0.1' });
  return waitReady(child, `http://127.0.0.1:${port}`, output);
}

async function waitReady(child: ChildProcess, url: string, output: () => string): Promise<Proc> {
  for (
    let i = 0;
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (child.exitCode !== null || i > 300) throw new Error(`${url} did not start:\n${output()}`);
    await sleep(100);
  }
  const exited = once(child, 'exit');
  return {
    url,
    pid: child.pid ?? 0,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * `npm start` in embedded mode (every service in one process, PGlite in memory): `url` is its
 * gateway (as the full-stack run talks to its gateway directly), `edge` the one origin for REST.
 */
export async function startEmbedded(env: Record<string, string>): Promise<Proc & { edge: string }> {
  const edgePort = await freePort();
  let services = '';
  const { child, output } = spawnScript(
    'tools/dev/start.ts',
    { ...env, PARLEY_EMBEDDED: '1', PARLEY_EMBEDDED_DATA: 'memory', EDGE_PORT: String(edgePort), LOG_LEVEL: 'warn' },
    (line) => {
      if (line.includes('services: api')) services = line;
    },
  );
  for (let i = 0; !services; i++) {
    if (child.exitCode !== null || i > 1_200) throw new Error(`embedded stack did not start:\n${output()}`);
    await sleep(100);
  }
  const exited = once(child, 'exit');
  return {
    url: /gateway (\S+)/.exec(services)![1]!,
    edge: `http://127.0.0.1:${edgePort}`,
    pid: child.pid ?? 0,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one run, dropped at the end. */
export async function createDatabase(): Promise<BenchDatabase> {
  const name = `parley_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
