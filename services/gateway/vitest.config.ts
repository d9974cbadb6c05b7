import { defineProjectConfig } from '../../vitest.shared.js';

// Two workers: the integration files mostly wait on sockets and child processes, so even on two
// cores they overlap well (one worker runs them back to back, ~50 s).
export default defineProjectConfig({ services: ['postgres', 'nats', 'redis'], test: { maxWorkers: 2 } });
