import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { NatsClusterNode, NodeRunner } from './nats-cluster.js';
import { clusterArgs } from './nats-cluster-args.js';
import { freePort } from './process.js';

/** NATS_SERVER_BIN, else `nats-server` on PATH, else Debian's /usr/sbin/nats-server; undefined when none is executable. */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env['NATS_SERVER_BIN'], ...(env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'nats-server')), '/usr/sbin/nats-server'];
  return candidates.find((path): path is string => {
    if (!path) return false;
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// A test that dies without stop() must not leave servers behind holding ports and temp dirs.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The cluster as processes of the local `nats-server`, each on free loopback ports with its own store. */
export async function startLocalNodes(size: number): Promise<NodeRunner> {
  const binary = findNatsServer()!;
  const dir = await mkdtemp(join(tmpdir(), 'parley-nats-cluster-'));
  const ports = await Promise.all(Array.from({ length: size * 3 }, freePort));
  const plan = Array.from({ length: size }, (_, i) => ({ name: `n${i + 1}`, client: ports[i * 3]!, route: ports[i * 3 + 1]!, monitor: ports[i * 3 + 2]! }));
  const nodes: NatsClusterNode[] = plan.map((p) => ({ name: p.name, url: `nats://127.0.0.1:${p.client}`, monitorUrl: `http://127.0.0.1:${p.monitor}` }));
  const children: (ChildProcess | undefined)[] = [];
  const logs: string[] = plan.map(() => '');

  const start = async (index: number): Promise<void> => {
    const p = plan[index]!;
    const args = clusterArgs({
      name: p.name,
      clientPort: p.client,
      monitorPort: p.monitor,
      storeDir: join(dir, p.name),
      route: `nats://127.0.0.1:${p.route}`,
      routes: plan.filter((o) => o !== p).map((o) => `nats://127.0.0.1:${o.route}`),
    });
    const child = spawn(binary, ['-a', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => (logs[index] = (logs[index]! + chunk.toString()).slice(-4_000)));
    children[index] = child;
    await once(child, 'spawn');
  };

  const kill = async (index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const child = children[index];
    children[index] = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const stuck = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(stuck);
  };

  await Promise.all(plan.map((_, i) => start(i)));
  return {
    nodes,
    start,
    freeze: async (index) => void children[index]?.kill('SIGSTOP'),
    kill: (index) => kill(index),
    async stopAll() {
      await Promise.all(plan.map((_, i) => kill(i, 'SIGTERM')));
      await rm(dir, { recursive: true, force: true });
    },
    describe: () => plan.map((p, i) => `${p.name} (${binary}, ${children[i] ? 'running' : 'down'}):\n${logs[i]}`).join('\n'),
  };
}
