import { startEmbeddedApi } from '@parley/api/embedded';
import { createMemoryBroker, createMemoryBus, type Bus } from '@parley/bus';
import { startEmbeddedGateway } from '@parley/gateway/embedded';
import { createLogger, createMetrics, type LogLevel } from '@parley/observability';
import { startEmbeddedPresence } from '@parley/presence/embedded';
import type { ServiceContext, Started } from '@parley/service';
import type { ServiceKind } from '@parley/testing/process';
import { startEdge, type Edge } from './edge.js';

export interface EmbeddedOptions {
  /** Edge port; 0 picks a free one. */
  edgePort: number;
  /** Environment every service reads its config from (the service URLs are ignored). */
  env: Record<string, string>;
  /** Where PGlite keeps its files; undefined: in memory, gone at exit. */
  dataDir: string | undefined;
  staticDir?: string | undefined;
  /** Each log line (pino JSON) of each service, with the instance name. */
  onLine?: (instance: string, line: string) => void;
}

export interface EmbeddedStack {
  edge: Edge;
  /** Each service's own URL (its /metrics and /readyz, which the edge does not expose). */
  urls: Record<ServiceKind, string>;
  close(): Promise<void>;
}

interface Running {
  name: string;
  app: Started['app'];
  bus: Bus;
  close?: (() => Promise<void>) | undefined;
}

/**
 * Embedded mode: the api, presence and the gateway in this one process, each built by its own
 * `buildApp` as in production, on in-process backends that keep the same promises: the memory
 * bus (NATS's contract suite), the memory presence store (Redis's contract suite) and PGlite
 * (the repositories' contract suite). For one machine; see the README for moving to the full stack.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedStack> {
  const broker = createMemoryBroker();
  const level = (options.env['LOG_LEVEL'] ?? 'info') as LogLevel;
  const running: Running[] = [];
  const context = (kind: ServiceKind): ServiceContext & { bus: Bus } => {
    const instanceId = `${kind}-1`;
    const logger = createLogger({
      service: kind,
      level,
      instanceId,
      destination: { write: (line: string) => void options.onLine?.(instanceId, line.trimEnd()) },
    });
    const subjectPrefix = options.env['BUS_SUBJECT_PREFIX'] || undefined;
    // One process: Node's default metrics once, on the api's registry.
    const metrics = createMetrics({ service: kind, instanceId, collectDefault: kind === 'api' });
    return { instanceId, logger, metrics, bus: createMemoryBus({ broker, logger, subjectPrefix }) };
  };
  const start = async (kind: ServiceKind, env: Record<string, string>, build: (ctx: ServiceContext) => Promise<Started>): Promise<string> => {
    const ctx = context(kind);
    const { app, close } = await build(ctx);
    running.push({ name: ctx.instanceId, app, bus: ctx.bus, close });
    const address = await app.listen({ host: '127.0.0.1', port: Number(env['PORT'] ?? 0) });
    return String(address);
  };
  const closeAll = async (): Promise<void> => {
    // Gateway first (it tells clients to reconnect and flushes statistics to the api), then the rest.
    for (const r of running.reverse()) {
      await r.app.close();
      await r.bus.drain();
      await r.close?.();
    }
  };

  try {
    const env = { ...options.env, PORT: '0', TRUSTED_PROXIES: options.env['TRUSTED_PROXIES'] ?? '127.0.0.1' };
    const api = await start('api', env, (ctx) => startEmbeddedApi(ctx, env, options.dataDir));
    const presence = await start('presence', env, (ctx) => startEmbeddedPresence(ctx, env));
    const gatewayEnv = { ...env, API_URL: api };
    const gateway = await start('gateway', gatewayEnv, (ctx) => startEmbeddedGateway(ctx, gatewayEnv));
    const edge = await startEdge({ port: options.edgePort, gateways: [gateway], apis: [api], presences: [presence], staticDir: options.staticDir });
    return {
      edge,
      urls: { api, presence, gateway },
      async close() {
        await edge.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
