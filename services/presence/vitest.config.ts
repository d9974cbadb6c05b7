import { defineProjectConfig } from '../../vitest.shared.js';

export default defineProjectConfig({
  services: ['redis', 'nats'],
  realServers: [
    {
      files: 'test/store.int.test.ts',
      needs: ['redis'],
      why: 'the presence store contract on the Lua scripts in Redis (test/store.memory.test.ts runs it on the memory store everywhere)',
    },
    { files: 'test/outage.int.test.ts', needs: ['redis', 'nats'], why: 'a Redis outage: a proxy in front of the server stops answering' },
    { files: 'test/main.int.test.ts', needs: ['redis', 'nats'], why: 'the presence process on real servers, and SIGTERM' },
    { files: 'test/*.int.test.ts', needs: ['redis', 'nats'], why: 'presence instances on Redis and NATS (test/app.ts wires the real drivers)' },
  ],
});
