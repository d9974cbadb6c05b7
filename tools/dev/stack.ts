import { freePort, spawnScript, startServiceProcess, type ServiceKind } from '@parley/testing/process';
import { once } from 'node:events';
import pg from 'pg';
import { startEdge, type Edge } from './edge.js';
import { supervise, type Instance } from './supervise.js';

export type { Instance } from './supervise.js';

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
  /**
   * An instance died and could not be restarted: the stack is no longer whole. The caller stops
   * it (`npm start` exits with the message). Default: the message goes to stderr.
   */
  onGiveUp?: (message: string) => void;
}

export interface Stack {
  edge: Edge;
  instances: Instance[];
  close(): Promise<void>;
}

/**
 * The whole stack as processes on this machine (TypeScript through tsx, the way `npm start`
 * runs it): creates the database if missing, migrates, starts the instances on free ports,
 * waits for each `/readyz`, then puts the local edge in front of them. An instance that dies is
 * restarted with backoff (see supervise.ts) while the edge routes around it.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const env = { ...options.env };
  await ensureDatabase(env.DATABASE_URL);
  const migrate = spawnScript('services/api/src/migrate.ts', env, (line) => options.onLine?.('migrate', line));
  const [code] = await once(migrate.child, 'exit');
  if (code !== 0) throw new Error(`migration failed:\n${migrate.output()}`);

  const plan: [ServiceKind, number][] = [
    ['api', options.apis ?? 1],
    ['presence', options.presences ?? 1],
    ['gateway', options.gateways ?? 1],
  ];
  const ports = await Promise.all(plan.flatMap(([, n]) => Array.from({ length: n }, freePort)));
  env['TRUSTED_PROXIES'] ??= '127.0.0.1';
  const starting: Promise<Instance>[] = [];
  for (const [kind, n] of plan) {
    for (let i = 0; i < n; i++) {
      const name = `${kind}-${i + 1}`;
      const port = ports[starting.length]!;
      starting.push(
        supervise({
          name,
          kind,
          start: () =>
            startServiceProcess(kind, {
              env: { LOG_LEVEL: 'info', ...env, PORT: String(port), INSTANCE_ID: name },
              onLine: (line) => options.onLine?.(name, line),
              readyTimeoutMs: 60_000,
            }),
          onLine: (line) => options.onLine?.(name, line),
          onGiveUp: options.onGiveUp ?? ((message) => process.stderr.write(`${message}\n`)),
        }),
      );
    }
  }
  const settled = await Promise.allSettled(starting);
  const instances = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(instances.map((s) => s.stop()));
    throw failed.reason;
  }
  const urls = (kind: ServiceKind) => instances.filter((s) => s.kind === kind).map((s) => s.url);
  const edge = await startEdge({
    port: options.edgePort ?? 0,
    gateways: urls('gateway'),
    apis: urls('api'),
    presences: urls('presence'),
    staticDir: options.staticDir,
  });
  return {
    edge,
    instances,
    async close() {
      await edge.close();
      await Promise.all(instances.map((s) => s.stop()));
    },
  };
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
