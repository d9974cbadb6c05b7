import { GenericContainer, getContainerRuntimeClient, Network, Wait, type StartedTestContainer } from 'testcontainers';
import { IMAGES } from './images.js';
import type { NatsClusterNode, NodeRunner } from './nats-cluster.js';
import { clusterArgs } from './nats-cluster-args.js';
import { freePort } from './process.js';

/**
 * The cluster as containers of the image docker-compose.yml runs, on a network of their own
 * (routes by alias, `nats://n2:6222`). Host ports are fixed when a node is first created, so a
 * node killed and started again keeps its client URL, as a process restarted on its port does.
 */
export async function startContainerNodes(size: number): Promise<NodeRunner> {
  const client = await getContainerRuntimeClient();
  const network = await new Network().start();
  const names = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const ports = await Promise.all(Array.from({ length: size * 2 }, freePort));
  const started: StartedTestContainer[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const args = clusterArgs({
        name,
        clientPort: 4222,
        monitorPort: 8222,
        storeDir: '/data',
        route: 'nats://0.0.0.0:6222',
        routes: names.filter((other) => other !== name).map((other) => `nats://${other}:6222`),
      });
      const container = new GenericContainer(IMAGES.nats)
        .withNetwork(network)
        .withNetworkAliases(name)
        .withCommand(args)
        .withExposedPorts({ container: 4222, host: ports[i * 2]! }, { container: 8222, host: ports[i * 2 + 1]! })
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/));
      started.push(await container.start());
    }
  } catch (error) {
    await Promise.all(started.map((c) => c.stop()));
    await network.stop();
    throw error;
  }
  const nodes: NatsClusterNode[] = started.map((c, i) => ({
    name: names[i]!,
    url: `nats://${c.getHost()}:${ports[i * 2]}`,
    monitorUrl: `http://${c.getHost()}:${ports[i * 2 + 1]}`,
  }));
  const handle = (index: number) => client.container.getById(started[index]!.getId());
  return {
    nodes,
    start: (index) => client.container.start(handle(index)),
    // A signal, not `docker pause`: a paused container cannot be killed before it is unpaused.
    freeze: (index) => handle(index).kill({ signal: 'SIGSTOP' }),
    kill: async (index) => {
      await handle(index).kill({ signal: 'SIGKILL' });
      await handle(index).wait();
    },
    async stopAll() {
      await Promise.all(started.map((c) => c.stop({ timeout: 2_000 })));
      await network.stop();
    },
    describe: () => started.map((c, i) => `${names[i]}: container ${c.getId().slice(0, 12)} (${IMAGES.nats})`).join('\n'),
  };
}
