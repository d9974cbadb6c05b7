import { verifierFromSettings } from '@parley/auth';
import type { Env } from '@parley/config';
import type { ServiceContext, Started } from '@parley/service';
import { buildApp } from './app.js';
import { loadGatewayConfig } from './config.js';
import { VERSION } from './version.js';

/** The gateway in embedded mode (one process hosting every service): unchanged but for the host's bus. */
export async function startEmbeddedGateway(ctx: ServiceContext, env: Env): Promise<Started> {
  const config = loadGatewayConfig(env);
  return {
    app: await buildApp({
      bus: ctx.bus,
      logger: ctx.logger,
      metrics: ctx.metrics,
      verifier: verifierFromSettings(config),
      config,
      instanceId: ctx.instanceId,
      version: VERSION,
    }),
  };
}
