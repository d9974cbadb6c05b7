import { defineProjectConfig } from '../../vitest.shared.js';

export default defineProjectConfig({
  services: ['nats'],
  realServers: [
    { files: 'test/run.int.test.ts', needs: ['nats'], why: 'a service process on its NATS connection, and the order it closes them on SIGTERM' },
    { files: 'test/app.int.test.ts', needs: ['nats'], why: 'the service shell on a NATS connection: its health probe, and subscriptions drained in order' },
  ],
});
