import { defineProjectConfig } from '../vitest.shared.js';

// Each file starts a whole stack (six processes); running files one at a time keeps the
// 2-core machine responsive and the timings honest.
export default defineProjectConfig({
  services: ['postgres', 'redis', 'nats'],
  test: { include: ['*.test.ts'], fileParallelism: false, testTimeout: 60_000, hookTimeout: 120_000 },
});
