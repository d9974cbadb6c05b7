import { defineProjectConfig } from '../../vitest.shared.js';

export default defineProjectConfig({
  services: ['nats'],
  realServers: [
    {
      files: 'test/bus.nats.int.test.ts',
      needs: ['nats'],
      why: 'the bus contract on a NATS server (test/bus.memory.test.ts runs it on the memory bus everywhere)',
    },
    { files: 'test/nats.reconnect.int.test.ts', needs: ['nats'], why: 'a NATS outage: a proxy in front of the server cuts and refuses connections' },
    { files: 'test/stream-sweep.nats.int.test.ts', needs: ['nats'], why: 'JetStream streams on a NATS server, created and swept' },
    { files: 'test/trace.nats.int.test.ts', needs: ['nats'], why: 'trace context carried in NATS message headers' },
    {
      files: 'test/webhook-streams.cluster.int.test.ts',
      needs: ['nats'],
      why: 'webhook streams on a 3-node JetStream cluster of its own (nats-server or Docker, where real NATS is at hand) losing a node',
    },
  ],
});
