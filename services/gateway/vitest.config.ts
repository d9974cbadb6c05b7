import { defineProjectConfig } from '../../vitest.shared.js';

// Two workers: the integration files mostly wait on sockets and child processes, so even on two
// cores they overlap well (one worker runs them back to back, ~50 s).
export default defineProjectConfig({
  services: ['postgres', 'nats', 'redis'],
  realServers: [
    {
      files: 'test/cluster-limits.int.test.ts',
      needs: ['postgres', 'nats', 'redis'],
      why: 'per-user limits shared in Redis across gateways, a crashed gateway, and a Redis outage',
    },
    { files: 'test/process.int.test.ts', needs: ['postgres', 'nats', 'redis'], why: 'the gateway process beside api processes on real servers, and SIGTERM' },
    { files: 'test/*.int.test.ts', needs: ['postgres', 'nats', 'redis'], why: 'gateways beside api processes on real servers (test/stack.ts)' },
  ],
  test: { maxWorkers: 2 },
});
