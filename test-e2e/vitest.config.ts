import { defineProjectConfig } from '../vitest.shared.js';

const FULL_STACK = ['postgres', 'redis', 'nats'] as const;

// Each file starts a whole stack (six processes); running files one at a time keeps the
// 2-core machine responsive and the timings honest. chat.test.ts, embedded.test.ts and
// start-origins.test.ts run embedded mode, so they run everywhere (chat.test.ts skips its
// full-stack half itself).
export default defineProjectConfig({
  services: [...FULL_STACK],
  realServers: [
    { files: 'failover.test.ts', needs: [...FULL_STACK], why: 'the edge when an instance of the full stack is SIGKILLed' },
    {
      files: 'nats-cluster.test.ts',
      needs: ['postgres', 'redis'],
      why: 'gateways and api instances on a 3-node NATS cluster of their own (nats-server or Docker), nodes SIGKILLed mid-chat',
    },
    { files: '*drain.test.ts', needs: [...FULL_STACK], why: 'a gateway of the full stack drained mid-chat' },
    { files: 'dashboard.test.ts', needs: [...FULL_STACK], why: 'the dashboard and Prometheus against the full stack’s /metrics' },
    { files: 'tracing.test.ts', needs: [...FULL_STACK], why: 'traces across the full stack’s processes' },
    { files: 'browser.test.ts', needs: [...FULL_STACK], why: 'the demo page in Chromium through the full stack' },
    { files: 'cross-origin.test.ts', needs: [...FULL_STACK], why: 'pages on other origins against the full stack’s CORS and Origin checks' },
    { files: 'readme-samples.test.ts', needs: [...FULL_STACK], why: 'the README’s samples run against the full stack' },
    { files: 'sdk-*.test.ts', needs: [...FULL_STACK], why: 'the SDK (packed, in Chromium, with its rooms and outbox) chatting through the full stack' },
  ],
  test: { include: ['*.test.ts'], fileParallelism: false, testTimeout: 60_000, hookTimeout: 120_000 },
});
