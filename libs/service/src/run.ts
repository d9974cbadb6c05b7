import { connectNats, createNatsBus, instrumentBus, type Bus } from '@parley/bus';
import { createLogger, createMetrics, defaultInstanceId, type Logger, type LogLevel, type Metrics } from '@parley/observability';
import type { ServiceKind } from '@parley/protocol';
import type { NatsConnection } from '@nats-io/transport-node';
import closeWithGrace from 'close-with-grace';
import { busMetrics } from './bus-metrics.js';
import { startTracing } from './tracing.js';

/** The settings `runService` reads (every service has them: `serviceFields` in @parley/config). */
export interface ProcessSettings {
  readonly HOST: string;
  readonly PORT: number;
  readonly NATS_URL: string;
  readonly NATS_SERVERS_IN_ORDER?: boolean;
  readonly BUS_SUBJECT_PREFIX: string;
  readonly SHUTDOWN_GRACE_MS: number;
  readonly LOG_LEVEL: LogLevel;
  readonly INSTANCE_ID?: string | undefined;
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
}

/** What a service gets to build its app with. */
export interface ServiceContext {
  instanceId: string;
  logger: Logger;
  metrics: Metrics;
  bus: Bus;
  /** The NATS connection under `bus`, for what a Bus does not do (JetStream); runService drains it. Absent in embedded mode (an in-memory bus). */
  nc?: NatsConnection | undefined;
}

/** The structural part of a fastify instance that runService drives. */
export interface Listener {
  listen(options: { host: string; port: number }): Promise<unknown>;
  close(): Promise<unknown>;
}

export interface Started {
  app: Listener;
  /** Closes what `start` created besides the app (pools, clients), after the bus has drained. */
  close?: () => Promise<void>;
}

/**
 * Runs one service process: logger, metrics and a NATS bus (reconnecting forever, its request
 * latencies measured by busMetrics), then the app `start` builds, listening on HOST:PORT. On
 * SIGTERM/SIGINT (or an uncaught error) it shuts down within SHUTDOWN_GRACE_MS, in the order that
 * loses nothing: the app stops taking work and answers what is in flight, the bus drains (final
 * reports leave the process), the NATS connection drains, then `close` releases the rest. Only
 * main.ts calls this.
 */
export async function runService(service: ServiceKind, config: ProcessSettings, start: (ctx: ServiceContext) => Promise<Started>): Promise<void> {
  const instanceId = config.INSTANCE_ID ?? defaultInstanceId(service);
  const tracing = await startTracing({ service, instanceId, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const logger = createLogger({ service, level: config.LOG_LEVEL, instanceId });
  const nc = await connectNats({ servers: config.NATS_URL, name: instanceId, noRandomize: config.NATS_SERVERS_IN_ORDER ?? false });
  const metrics = createMetrics({ service, instanceId });
  const bus = instrumentBus(createNatsBus(nc, { logger, subjectPrefix: config.BUS_SUBJECT_PREFIX || undefined }), busMetrics(metrics));
  const { app, close } = await start({ instanceId, logger, metrics, bus, nc });

  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await app.close();
    await bus.drain();
    await nc.drain();
    await close?.();
    await tracing?.shutdown();
  });

  await app.listen({ host: config.HOST, port: config.PORT });
}
