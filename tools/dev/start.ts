/**
 * `npm start`: the whole stack on this machine, as processes, behind one local origin.
 * Needs PostgreSQL, Redis and NATS (with JetStream) on their default ports, or their URLs in
 * DATABASE_URL / REDIS_URL / NATS_URL. Creates the database if missing, migrates, starts
 * API_INSTANCES api, GATEWAYS gateway and PRESENCE_INSTANCES presence processes and the edge on
 * http://127.0.0.1:8080 (EDGE_PORT). Ctrl-C stops everything (SIGTERM, each service drains).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import PinoPretty from 'pino-pretty';
import { startEdge } from './edge.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const env = process.env;
const count = (name: string, fallback: number) => Math.max(1, Number(env[name] ?? fallback));

const DATABASE_URL = env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/parley';
const EDGE_PORT = Number(env['EDGE_PORT'] ?? 8080);
const shared: Record<string, string> = {
  DATABASE_URL,
  NATS_URL: env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
  REDIS_URL: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  PUBLIC_WS_URL: env['PUBLIC_WS_URL'] ?? `ws://127.0.0.1:${EDGE_PORT}/ws/chat/`,
  // The edge forwards the client address; the gateway believes it only from this proxy.
  TRUSTED_PROXIES: '127.0.0.1',
  LOG_LEVEL: env['LOG_LEVEL'] ?? 'info',
};

const pretty = PinoPretty({ colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss', ignore: 'pid,hostname', messageKey: 'msg' });
const children: ChildProcess[] = [];

function run(name: string, script: string, extraEnv: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...env, ...shared, ...extraEnv, INSTANCE_ID: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) pretty.write(line.startsWith('{') ? `${line}\n` : `${JSON.stringify({ level: 30, time: Date.now(), instance: name, msg: line })}\n`);
    });
  }
  children.push(child);
  return child;
}

async function waitReady(name: string, url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready`);
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  const migrate = run('migrate', 'services/api/src/migrate.ts', {});
  const [code] = await once(migrate, 'exit');
  if (code !== 0) throw new Error('migration failed');

  const started: { name: string; url: string; child: ChildProcess; kind: 'api' | 'gateway' | 'presence' }[] = [];
  const launch = (kind: 'api' | 'gateway' | 'presence', n: number, basePort: number) => {
    for (let i = 0; i < n; i++) {
      const port = basePort + i;
      const name = `${kind}-${i + 1}`;
      started.push({ name, kind, url: `http://127.0.0.1:${port}`, child: run(name, `services/${kind}/src/main.ts`, { HOST: '127.0.0.1', PORT: String(port) }) });
    }
  };
  // Gateways read history (catch-up after a reconnect) from the first api instance.
  shared['API_URL'] = env['API_URL'] ?? 'http://127.0.0.1:3100';
  launch('api', count('API_INSTANCES', 1), 3100);
  launch('presence', count('PRESENCE_INSTANCES', 1), 3200);
  launch('gateway', count('GATEWAYS', 1), 3300);
  await Promise.all(started.map((s) => waitReady(s.name, s.url, s.child)));

  const urls = (kind: string) => started.filter((s) => s.kind === kind).map((s) => s.url);
  const edge = await startEdge({
    port: EDGE_PORT,
    gateways: urls('gateway'),
    apis: urls('api'),
    presences: urls('presence'),
    staticDir: fileURLToPath(new URL('../../libs/client/demo', import.meta.url)),
  });
  process.stdout.write(`\nParley is up on ${edge.url}  (chat: ${shared['PUBLIC_WS_URL']}, health: ${edge.url}/healthz, API docs: ${edge.url}/docs)\n\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping…\n');
    await edge.close();
    await Promise.all(children.map(async (c) => (c.exitCode === null ? (c.kill('SIGTERM'), once(c, 'exit')) : undefined)));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  for (const s of started) s.child.on('exit', (code) => !stopping && process.stderr.write(`${s.name} exited with ${code}\n`));
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
