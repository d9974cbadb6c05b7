/* eslint-disable no-console -- a benchmark prints its numbers */
/**
 * What room subscriptions cost a NATS cluster: a 3-node cluster on loopback (libs/testing's
 * natsCluster), two "gateways" (bus connections, as a gateway's) on nodes 1 and 2, each subscribed
 * to `chat.room.<id>` for ROOMS rooms, as a gateway with a local member in every one of them is.
 * Prints, per step, each node's subscription count (`/subsz`) and memory (`/varz`), and how long
 * the interest took to reach node 3, where no subscriber is connected (every publisher's node
 * must know every room's interest to route a message to it).
 *
 * Run: `node --conditions=@parley/source --import tsx services/gateway/bench/interest.ts`
 * (BENCH_ROOMS=1000,10000,50000 by default; loopback only, stops by itself).
 */
import { connectNats, createNatsBus, silentLogger, subjects, type Bus, type BusSubscription } from '@parley/bus';
import { natsCluster, uniqueId, type NatsCluster } from '@parley/testing';

const STEPS = (process.env['BENCH_ROOMS'] ?? '1000,10000,50000').split(',').map(Number);

interface NodeFigures {
  subscriptions: number;
  memMiB: number;
}

async function figures(cluster: NatsCluster): Promise<NodeFigures[]> {
  return Promise.all(
    cluster.nodes.map(async (_, i) => {
      const [subsz, varz] = await Promise.all([cluster.monitor<{ num_subscriptions: number }>(i, '/subsz'), cluster.monitor<{ mem: number }>(i, '/varz')]);
      return { subscriptions: subsz.num_subscriptions, memMiB: varz.mem / 1_048_576 };
    }),
  );
}

const cluster = await natsCluster();
const prefix = uniqueId('interest');
const gateways: { bus: Bus; close: () => Promise<void> }[] = [];
try {
  for (const node of [0, 1]) {
    const nc = await connectNats({ servers: cluster.nodes[node]!.url, name: `bench-gateway-n${node + 1}` });
    gateways.push({ bus: createNatsBus(nc, { logger: silentLogger, subjectPrefix: prefix }), close: () => nc.close() });
  }
  const base = await figures(cluster);
  console.log(`nats-server cluster of 3 (${cluster.source}); baseline subscriptions per node: ${base.map((f) => f.subscriptions).join(' / ')}`);
  console.log('rooms | subs per gateway | n1 subs | n2 subs | n3 subs (no subscriber) | n3 sees all after | memory n1 / n2 / n3 (MiB, Δ from baseline)');
  const subs: BusSubscription[] = [];
  let subscribed = 0;
  for (const rooms of STEPS) {
    for (const { bus } of gateways) {
      for (let r = subscribed; r < rooms; r++) subs.push(bus.subscribe(subjects.chatRoom(`room-${r}`), () => undefined));
    }
    await Promise.all(subs.map((s) => s.ready));
    subscribed = rooms;
    // Each gateway's node has its subscriptions now; the clock measures the routes' share.
    const started = performance.now();
    const want = base[2]!.subscriptions + 2 * rooms;
    let now = await figures(cluster);
    while (now[2]!.subscriptions < want && performance.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 20));
      now = await figures(cluster);
    }
    const elapsed = performance.now() - started;
    const mem = now.map((f, i) => `${f.memMiB.toFixed(1)} (+${(f.memMiB - base[i]!.memMiB).toFixed(1)})`).join(' / ');
    console.log(`${rooms} | ${rooms} | ${now[0]!.subscriptions} | ${now[1]!.subscriptions} | ${now[2]!.subscriptions} | ${elapsed.toFixed(0)} ms | ${mem}`);
  }
} finally {
  for (const g of gateways) {
    await g.bus.drain().catch(() => undefined);
    await g.close();
  }
  await cluster.stop();
}
