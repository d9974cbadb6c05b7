import { defineProjectConfig } from '../../vitest.shared.js';

export default defineProjectConfig({
  services: ['postgres', 'redis', 'nats'],
  realServers: [
    { files: 'test/resolve.int.test.ts', needs: ['postgres', 'redis', 'nats'], why: 'the resolver handing tests real servers, and a database per test file' },
  ],
});
