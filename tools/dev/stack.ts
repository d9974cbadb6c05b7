import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEdge, type Edge } from './edge.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ServiceKind = 'api' | 'gateway' | 'presence';

export interface Instance {
  name: string;
  kind: ServiceKind;
  url: string;
  child: ChildProcess;
  /** SIGTERM (or `signal`) and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StackOptions {
  apis?: number;
  gateways?: number;
  presences?: number;
  /** Edge port; 0 picks a free one. */
  edgePort?: number;
  /** Environment for every service (URLs, prefixes, secrets). DATABASE_URL is required. */
  env: Record<string, string> & { DATABASE_URL: string };
  /** Each output line of each process, with the instance name. */
  onLine?: (instance: string, line: string) => void;
  staticDir?: string;
}

export interface Stack {
  edge: Edge;
  instances: Instance[];
  close(): Promise<void>;
}

/**
 * The whole stack as processes on this machine (TypeScript through tsx, the way `npm start`
 * runs it): creates the database if missing, migrates, starts the instances on free ports,
 * waits for each `/readyz`, then puts the local edge in front of them.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const env = { ...options.env };
  await ensureDatabase(env.DATABASE_URL);
  const migrate = run('migrate', 'services/api/src/migrate.ts', env, options.onLine);
  const [code] = await once(migrate, 'exit');
  if (code !== 0) throw new Error('migration failed');

  const edgePort = options.edgePort ?? 0;
  const plan: [ServiceKind, number][] = [
    ['api', options.apis ?? 1],
    ['presence', options.presences ?? 1],
    ['gateway', options.gateways ?? 1],
  ];
  const instances: Instance[] = [];
  const ports = await Promise.all(plan.flatMap(([, n]) => Array.from({ length: n }, freePort)));
  env['TRUSTED_PROXIES'] ??= '127.0.0.1';
  for (const [kind, n] of plan) {
    for (let i = 0; i < n; i++) {
      const port = ports[instances.length]!;
      const name = `${kind}-${i + 1}`;
      const url = `http://127.0.0.1:${port}`;
      // Gateways read history (catch-up after a reconnect) from the first api instance.
      if (kind === 'api' && i === 0) env['API_URL'] ??= url;
      const child = run(name, `services/${kind}/src/main.ts`, { ...env, HOST: '127.0.0.1', PORT: String(port), INSTANCE_ID: name }, options.onLine);
      const exited = once(child, 'exit').then(([c]) => c as number | null);
      instances.push({
        name,
        kind,
        url,
        child,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    }
  }
  try {
    await Promise.all(instances.map((s) => waitReady(s)));
  } catch (error) {
    await Promise.all(instances.map((s) => s.stop('SIGKILL')));
    throw error;
  }
  const urls = (kind: ServiceKind) => instances.filter((s) => s.kind === kind).map((s) => s.url);
  const edge = await startEdge({ port: edgePort, gateways: urls('gateway'), apis: urls('api'), presences: urls('presence'), staticDir: options.staticDir });
  return {
    edge,
    instances,
    async close() {
      await edge.close();
      await Promise.all(instances.map((s) => s.stop()));
    },
  };
}

function run(name: string, script: string, env: Record<string, string>, onLine?: (instance: string, line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) onLine?.(name, line);
    });
  }
  return child;
}

async function waitReady(instance: Instance): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (instance.child.exitCode !== null) throw new Error(`${instance.name} exited with ${instance.child.exitCode}`);
    if (await fetch(`${instance.url}/readyz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${instance.name} did not become ready within 60 s`);
}

/** Creates the database named in `url` when it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
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

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
