import { containerRuntimeAvailable } from './containers.js';
import { startContainerNodes } from './nats-cluster-containers.js';
import { findNatsServer, startLocalNodes } from './nats-cluster-local.js';

/** One server of a {@link NatsCluster}, as a client on this machine reaches it. */
export interface NatsClusterNode {
  /** Its `server_name` (`n1`, `n2`, …). */
  readonly name: string;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` of its monitoring endpoints (`/routez`, `/subsz`, `/connz`, `/jsz`). */
  readonly monitorUrl: string;
}

/** How a cluster's servers are run: processes of the local binary, or containers. */
export interface NodeRunner {
  readonly nodes: readonly NatsClusterNode[];
  start(index: number): Promise<void>;
  /** SIGSTOP: the node hangs, its connections open but nothing read or answered. */
  freeze(index: number): Promise<void>;
  /** SIGKILL (a frozen node too): no goodbye to clients or routes, as a crashed host. */
  kill(index: number): Promise<void>;
  stopAll(): Promise<void>;
  /** Where a failed wait says to look (the tail of each server's log, or the container ids). */
  describe(): string;
}

export interface NatsCluster {
  readonly source: 'local' | 'testcontainers';
  readonly nodes: readonly NatsClusterNode[];
  /** A NATS_URL listing every node, node `index` first (with NATS_SERVERS_IN_ORDER, the one it connects to). */
  urlFrom(index: number): string;
  /**
   * SIGSTOPs node `index`: it hangs with every connection open, so what clients and other nodes
   * send it meanwhile is lost when it is then killed (a crash that loses messages for sure, where a
   * plain SIGKILL drops only what happens to be in flight in that millisecond).
   */
  freeze(index: number): Promise<void>;
  /** SIGKILLs node `index` (frozen or not); resolves once it is gone. */
  kill(index: number): Promise<void>;
  /** Starts node `index` again (same ports, same JetStream store) and waits until the cluster is whole. */
  restart(index: number): Promise<void>;
  /** GET `path` of node `index`'s monitoring port, parsed. */
  monitor<T = Record<string, unknown>>(index: number, path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Nodes (default 3). */
  size?: number;
  /** Default: containers when a Docker engine answers (the image of docker-compose.yml), else the local binary. */
  containers?: boolean;
  /** How long to wait for routes and a JetStream leader (default 30 s). */
  readyTimeoutMs?: number;
}

/**
 * Starts a NATS cluster of `size` nodes on loopback, JetStream on (each node its own store),
 * every node routed to every other, and waits until each has all its routes and agrees on a
 * JetStream meta leader. Where a Docker engine answers, the nodes are containers of the image
 * docker-compose.yml runs (`IMAGES.nats`) on a network of their own; otherwise processes of
 * `nats-server` (NATS_SERVER_BIN, else on PATH, else /usr/sbin/nats-server). Either way the
 * servers advertise no cluster addresses to clients (`--no_advertise`), so a client fails over
 * only to servers it was given: the list in NATS_URL is what is tested. `stop()` removes them all.
 */
export async function natsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const useContainers = options.containers ?? (await containerRuntimeAvailable());
  if (!useContainers && findNatsServer() === undefined) {
    throw new Error('a NATS cluster needs a Docker engine or the nats-server binary: apt-get install nats-server, or set NATS_SERVER_BIN');
  }
  const runner = useContainers ? await startContainerNodes(size) : await startLocalNodes(size);
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const live = new Set(runner.nodes.map((_, i) => i));

  const monitor = async <T>(index: number, path: string): Promise<T> => {
    const res = await fetch(`${runner.nodes[index]!.monitorUrl}${path}`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) throw new Error(`${runner.nodes[index]!.name}${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };

  /** Every live node routed to every other live one, and all of them naming the same JetStream leader. */
  const whole = async (): Promise<boolean> => {
    const states = await Promise.all(
      [...live].map(async (i) => {
        const [routez, jsz] = await Promise.all([monitor<{ num_routes: number }>(i, '/routez'), monitor<{ meta_cluster?: { leader?: string } }>(i, '/jsz')]);
        return { routes: routez.num_routes, leader: jsz.meta_cluster?.leader ?? '' };
      }),
    ).catch(() => undefined);
    if (!states) return false;
    const leaders = new Set(states.map((s) => s.leader));
    return states.every((s) => s.routes === live.size - 1) && leaders.size === 1 && !leaders.has('');
  };

  const waitWhole = async (): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await whole())) {
      if (Date.now() > deadline) throw new Error(`the NATS cluster did not form within ${timeoutMs} ms:\n${runner.describe()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    await waitWhole();
  } catch (error) {
    await runner.stopAll();
    throw error;
  }

  return {
    source: useContainers ? 'testcontainers' : 'local',
    nodes: runner.nodes,
    urlFrom: (index) => [...runner.nodes.slice(index), ...runner.nodes.slice(0, index)].map((n) => n.url).join(','),
    freeze: (index) => runner.freeze(index),
    async kill(index) {
      live.delete(index);
      await runner.kill(index);
    },
    async restart(index) {
      await runner.start(index);
      live.add(index);
      await waitWhole();
    },
    monitor,
    stop: () => runner.stopAll(),
  };
}
