import { verifierFromSettings } from '@parley/auth';
import { runService } from '@parley/service';
import { buildApp } from './app.js';
import { loadGatewayConfig } from './config.js';
import { VERSION } from './version.js';

const config = loadGatewayConfig();

// On shutdown app.close() sends every client the reconnect hint and 1012, then flushes
// statistics; runService drains the bus after it, so the final reports leave the process.
await runService('gateway', config, async ({ instanceId, logger, metrics, bus }) => ({
  app: await buildApp({ bus, logger, metrics, verifier: verifierFromSettings(config), config, instanceId, version: VERSION }),
}));
