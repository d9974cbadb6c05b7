import type { Server } from 'node:http';
import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import type { Logger, Metrics } from '@parley/observability';
import { errorData, HTTP_STATUS_FOR_HEALTH, type ComponentStatus, type ErrorData, type InstanceHealth, type ServiceKind } from '@parley/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyHttpOptions, type FastifyInstance, type FastifyRequest } from 'fastify';

/** Errors a service renders itself; everything else gets the shared envelope. */
export interface ErrorRendering {
  /** The status and body for an error the service knows (its own error class, schema validation), else undefined. */
  render?(error: FastifyError): { statusCode: number; data: ErrorData } | undefined;
  /** Adds to every error body (the api adds its trace id). */
  decorate?(request: FastifyRequest, data: ErrorData): ErrorData;
}

/** A background part of a service: started once its bus subscriptions are live, stopped before they end. */
export interface Worker {
  start?(): void;
  /** Stops taking new work; what it still owes (a final report) is sent before the bus drains. */
  stop?(): void | Promise<void>;
  /** Awaited after the subscriptions have closed (work they handed over, e.g. queued appends). */
  drained?(): Promise<void>;
}

/** What a service knows of its own health; the shell adds `nats` and builds the report. */
export interface HealthParts {
  /** This instance's own dependencies (`database`, `redis`, `websocket`, …). */
  readonly components: Readonly<Record<string, ComponentStatus>>;
  readonly metrics?: InstanceHealth['metrics'];
}

export interface HealthOptions {
  readonly service: ServiceKind;
  readonly instanceId: string;
  readonly version: string;
  check(): HealthParts | Promise<HealthParts>;
  /**
   * Components whose `unhealthy` makes the instance unhealthy (503); any other component that is
   * not healthy only makes it `degraded` (200). Default: every component, `nats` included.
   */
  readonly critical?: readonly string[];
}

export interface ServiceAppOptions {
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
  /** This instance's health: the body of `/readyz` and the answer to the stack's health probe. */
  health: HealthOptions;
  /** fastify options of this service (timeouts, body limit, trusted proxies). */
  server?: Omit<FastifyHttpOptions<Server>, 'logger' | 'loggerInstance'>;
  errors?: ErrorRendering;
}

export interface ServiceApp {
  readonly app: FastifyInstance;
  /** This instance's health report, as `/readyz` and the health probe give it. */
  health(): Promise<InstanceHealth>;
  /** Bus subscriptions this app serves: live before the app is ready, unsubscribed and drained on close. */
  serve(...subscriptions: BusSubscription[]): void;
  /** Background parts, started in the order given and stopped in the same order. */
  run(...workers: Worker[]): void;
}

/**
 * The HTTP and bus shell every service is built on: one fastify instance with the shared probes
 * (`/livez`; `/readyz`, this instance's report with HTTP_STATUS_FOR_HEALTH; `/metrics`), one
 * instance health report (the service's components plus `nats`), one error envelope
 * (`{error_code, error_message, details?}`), the stack health probe answered from the same
 * check as `/readyz`, and one lifecycle. On ready: every subscription is live, then the workers
 * start. On `app.close()` (after fastify stopped taking requests and answered those in flight):
 * the workers stop, the subscriptions end and their handlers finish, then each worker's `drained`
 * runs. runService drains the bus only after that, so final reports still leave the process.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const { bus, metrics } = options;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; without the widening every plugin's instance type differs.
    loggerInstance: options.logger as FastifyBaseLogger,
    routerOptions: { ignoreTrailingSlash: true },
    ...options.server,
  });
  registerErrorEnvelope(app, options.errors ?? {});
  const health = instanceHealth(options.health, bus, Date.now());

  app.get('/livez', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await health();
    return reply.status(HTTP_STATUS_FOR_HEALTH[report.status]).header('cache-control', 'no-store').send(report);
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));

  const subscriptions: BusSubscription[] = [bus.serve(subjects.healthProbe, health)];
  const workers: Worker[] = [];
  app.addHook('onReady', async () => {
    await Promise.all(subscriptions.map((s) => s.ready));
    for (const w of workers) w.start?.();
  });
  app.addHook('onClose', async () => {
    for (const w of workers) await w.stop?.();
    for (const s of subscriptions) s.unsubscribe();
    await Promise.all(subscriptions.map((s) => s.closed));
    await Promise.all(workers.map((w) => w.drained?.()));
  });

  return {
    app,
    health,
    serve: (...more) => void subscriptions.push(...more),
    run: (...more) => void workers.push(...more),
  };
}

function instanceHealth(options: HealthOptions, bus: Bus, startedAt: number): () => Promise<InstanceHealth> {
  return async () => {
    const own = await options.check();
    const components = { ...own.components, nats: bus.isConnected() ? 'healthy' : 'unhealthy' } as const;
    const critical = options.critical ?? Object.keys(components);
    const statuses = Object.entries(components);
    const status: ComponentStatus = statuses.some(([name, s]) => s === 'unhealthy' && critical.includes(name))
      ? 'unhealthy'
      : statuses.every(([, s]) => s === 'healthy')
        ? 'healthy'
        : 'degraded';
    return {
      service: options.service,
      instance_id: options.instanceId,
      version: options.version,
      status,
      uptime_seconds: Math.floor((Date.now() - startedAt) / 1_000),
      components,
      metrics: own.metrics ?? {},
    };
  };
}

function registerErrorEnvelope(app: FastifyInstance, { render, decorate = (_request, data) => data }: ErrorRendering): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = render?.(error);
    if (known) return reply.status(known.statusCode).send(decorate(request, known.data));
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // fastify's own 4xx: malformed JSON, body too large, unsupported media type, ...
      const data = errorData(status === 429 ? 'RATE_LIMIT_EXCEEDED' : 'VALIDATION_ERROR', error.message);
      return reply.status(status).send(decorate(request, data));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(decorate(request, errorData('INTERNAL_ERROR', 'Internal server error')));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(decorate(request, errorData('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`))),
  );
}
