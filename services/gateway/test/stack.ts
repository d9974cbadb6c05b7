import type { TokenVerifier } from '@parley/auth';
import { connectNats, createNatsBus, type Bus } from '@parley/bus';
import { createLogger, createMetrics } from '@parley/observability';
import { closeRedis, createRedis, waitForRedis, type Redis } from '@parley/redis';
import { createTestDatabase, serviceUrl, startServiceProcess, TestSocket, uniqueId, type ServiceProcess, type TestDatabase } from '@parley/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig, type GatewayConfig } from '../src/config.js';

/** A real API process on a fresh database, sharing a subject prefix with the gateways of one test file. */
export interface ApiStack {
  api: ServiceProcess;
  db: TestDatabase;
  prefix: string;
  /** A bus on the same prefix, for taps and for playing another service. */
  peer: Bus;
  /** POST/GET JSON against the API. */
  rest<T = unknown>(path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startApiStack(label: string, env: Record<string, string> = {}): Promise<ApiStack> {
  const db = await createTestDatabase(`parley_gw_${label}`);
  const prefix = uniqueId(label);
  const api = await startServiceProcess('api', {
    env: {
      DATABASE_URL: db.url,
      NATS_URL: serviceUrl('nats'),
      BUS_SUBJECT_PREFIX: prefix,
      REDIS_URL: serviceUrl('redis'),
      REDIS_KEY_PREFIX: prefix,
      MIGRATE_ON_START: 'true',
      ...env,
    },
  });
  const nc = await connectNats({ servers: serviceUrl('nats'), name: `test-${label}` });
  const peer = createNatsBus(nc, { logger: createLogger({ service: 'test', level: 'silent' }), subjectPrefix: prefix });
  return {
    api,
    db,
    prefix,
    peer,
    async rest<T>(path: string, body?: unknown) {
      const response = await fetch(`${api.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    },
    async close() {
      await peer.drain();
      await nc.drain();
      await api.stop();
      await db.drop();
    },
  };
}

export interface TestGateway {
  app: FastifyInstance;
  instanceId: string;
  config: GatewayConfig;
  bus: Bus;
  /** Its Redis client (per-user limits shared with the other gateways of the stack). */
  redis: Redis;
  /** `ws://127.0.0.1:<port>` */
  ws: string;
  /** `http://127.0.0.1:<port>` */
  http: string;
  /** Every log line written so far (when `captureLogs`). */
  logs(): string;
  close(): Promise<void>;
}

export interface GatewayOptions {
  env?: Record<string, string>;
  verifier?: TokenVerifier;
  captureLogs?: boolean;
  /** Wraps the gateway's bus (a test hook: e.g. dropping one publish on purpose). */
  wrapBus?: (bus: Bus) => Bus;
}

/** A gateway built with buildApp on real NATS, listening on port 0, talking to the stack's API. */
export async function startGateway(stack: ApiStack, { env = {}, verifier, captureLogs = false, wrapBus }: GatewayOptions = {}): Promise<TestGateway> {
  let logText = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logText += chunk.toString();
      done();
    },
  });
  const logger = captureLogs ? createLogger({ service: 'gateway', level: 'debug', destination }) : createLogger({ service: 'gateway', level: 'silent' });
  // Redis keys under the stack's prefix: parallel test files (and other runs on this machine) never share a user's limits.
  const config = loadGatewayConfig({ BUS_SUBJECT_PREFIX: stack.prefix, REDIS_URL: serviceUrl('redis'), REDIS_KEY_PREFIX: stack.prefix, ...env });
  const redis = createRedis(config.REDIS_URL, logger, { commandTimeoutMs: config.WS_LIMITS_REDIS_TIMEOUT_MS });
  // As main.ts does: a connection admitted before Redis is ready counts on this gateway alone until the next refresh.
  await waitForRedis(redis, 5_000);
  const nc: NatsConnection = await connectNats({ servers: serviceUrl('nats'), name: 'gateway-test' });
  const bus = createNatsBus(nc, { logger, subjectPrefix: stack.prefix });
  const instanceId = uniqueId('gw');
  const app = await buildApp({
    bus: wrapBus ? wrapBus(bus) : bus,
    logger,
    metrics: createMetrics({ service: 'gateway', instanceId, collectDefault: false }),
    redis,
    verifier,
    config,
    instanceId,
    version: '0.0.0-test',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    app,
    instanceId,
    config,
    bus,
    redis,
    ws: `ws://127.0.0.1:${port}`,
    http: `http://127.0.0.1:${port}`,
    logs: () => logText,
    async close() {
      await app.close();
      await bus.drain();
      await nc.drain();
      await closeRedis(redis);
    },
  };
}

type ClientOptions = Parameters<typeof TestSocket.open>[1];

/**
 * One test file's world: an API stack, and every gateway and client the file opens, all closed
 * by `close()`. Methods are bound, so a file can destructure them.
 */
export class GatewayTestbed {
  private current: ApiStack | undefined;
  private readonly gateways: TestGateway[] = [];
  private readonly clients: TestSocket[] = [];

  constructor(private readonly label: string) {}

  get stack(): ApiStack {
    if (!this.current) throw new Error('GatewayTestbed: start() first');
    return this.current;
  }

  start = async (env: Record<string, string> = {}): Promise<ApiStack> => {
    this.current = await startApiStack(this.label, env);
    return this.current;
  };

  gateway = async (env: Record<string, string> = {}, options: Omit<GatewayOptions, 'env'> = {}): Promise<TestGateway> => {
    const started = await startGateway(this.stack, { env, ...options });
    this.gateways.push(started);
    return started;
  };

  /** A socket that has its welcome. */
  connect = async (url: string, options?: ClientOptions): Promise<TestSocket> => this.track(await TestSocket.connect(url, options));

  /** A socket as soon as the upgrade succeeds (for refusals that come after it). */
  open = async (url: string, options?: ClientOptions): Promise<TestSocket> => this.track(await TestSocket.open(url, options));

  close = async (): Promise<void> => {
    for (const client of this.clients) client.close();
    await Promise.all(this.gateways.map((g) => g.close()));
    await this.current?.close();
  };

  private track(client: TestSocket): TestSocket {
    this.clients.push(client);
    return client;
  }
}

/**
 * `bus` whose subscriptions never see the events `drop` picks: a publish lost on the at-most-once
 * hop to this gateway, on purpose.
 */
export function droppingBus(bus: Bus, drop: (payload: unknown) => boolean): Bus {
  const subscribe: Bus['subscribe'] = (topic, handler, options) =>
    bus.subscribe(topic, (payload, context) => (drop(payload) ? undefined : handler(payload, context)), options);
  return new Proxy(bus, {
    get(target, key) {
      if (key === 'subscribe') return subscribe;
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The connection still works: a heartbeat is answered. */
export async function stillOpen(client: TestSocket, sequence: number): Promise<void> {
  client.send({ type: 'heartbeat', data: { sequence } });
  await client.next((f) => f.type === 'heartbeat' && f.data['sequence'] === sequence);
}
