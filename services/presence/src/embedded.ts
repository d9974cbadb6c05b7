import type { Env } from '@parley/config';
import type { ServiceContext, Started } from '@parley/service';
import { buildApp } from './app.js';
import { loadPresenceConfig } from './config.js';
import { gatewayCountersOptions, MemoryGatewayCounters } from './health/gateway-counters.js';
import { MemoryPresenceStore } from './presence/memory.store.js';
import { storeOptions } from './presence/presence.store.js';
import { VERSION } from './version.js';

/**
 * Presence in embedded mode (one process hosting every service, no Redis): the in-memory store,
 * which only this instance sees; the bus is the host's. Presence is soft state: a restart
 * forgets it, and the gateways' next refresh rebuilds it.
 */
export async function startEmbeddedPresence(ctx: ServiceContext, env: Env): Promise<Started> {
  const config = loadPresenceConfig(env);
  const store = new MemoryPresenceStore(storeOptions(config));
  const counters = new MemoryGatewayCounters(gatewayCountersOptions(config));
  const app = await buildApp({ store, counters, bus: ctx.bus, logger: ctx.logger, metrics: ctx.metrics, config, instanceId: ctx.instanceId, version: VERSION });
  return { app };
}
