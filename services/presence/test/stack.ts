import type { Bus } from '@parley/bus';
import { HealthComponentsSchema, HealthMetricsSchema, HealthResponseSchema, type HealthResponse } from '@parley/protocol';
import { serviceUrl, startTcpProxy, type TcpProxy } from '@parley/testing';
import { afterEach } from 'vitest';
import { connectPeer, inspector, newDeployment, startPresence, type Deployment, type TestPresence } from './app.js';
import { fakeApi, FakeGateway } from './fakes.js';
import type { PresenceDeps } from '../src/deps.js';

/** The seed's `/healthz`, strictly: no key more or less, at any level (plus `nats`). */
export const StrictHealthSchema = HealthResponseSchema.extend({
  components: HealthComponentsSchema.extend({ nats: HealthComponentsSchema.shape.database }).strict(),
  metrics: HealthMetricsSchema.strict(),
}).strict();

export interface Stack {
  deployment: Deployment;
  presence: TestPresence;
  inspect: Awaited<ReturnType<typeof inspector>>;
  /** A new bus of the deployment (simulated instances, observers, clients). */
  bus(): Bus;
  healthz(): Promise<{ status: number; body: HealthResponse; cacheControl: string | null }>;
  /** A simulated gateway, vanished after the test. */
  gateway(ttlMs?: number): FakeGateway;
  /** A simulated API instance answering the health probe, stopped after the test. */
  api(): ReturnType<typeof fakeApi>;
}

/**
 * Per-test stacks: each test gets its own deployment (subject and key prefixes) with one presence
 * instance, and everything it starts is closed after it. Call once at the top of a test file.
 */
export function useStacks(): {
  stack(options?: { redisUrl?: string; config?: Partial<PresenceDeps['config']> }): Promise<Stack>;
  /** A TCP proxy in front of the test Redis, closed after the test. */
  proxy(): Promise<TcpProxy>;
} {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function stack(options: { redisUrl?: string; config?: Partial<PresenceDeps['config']> } = {}): Promise<Stack> {
    const deployment = newDeployment();
    const presence = await startPresence(deployment, options);
    const peer = await connectPeer(deployment);
    const inspect = await inspector(deployment);
    cleanups.push(async () => {
      await peer.close();
      await presence.close();
      await inspect.close();
    });
    return {
      deployment,
      presence,
      inspect,
      bus: () => peer.bus(),
      async healthz() {
        const response = await fetch(`${presence.url}/healthz`);
        return { status: response.status, body: StrictHealthSchema.parse(await response.json()), cacheControl: response.headers.get('cache-control') };
      },
      gateway(ttlMs = 60_000) {
        const g = new FakeGateway(peer.bus(), ttlMs);
        cleanups.push(() => g.vanish());
        return g;
      },
      async api() {
        const api = await fakeApi(peer.bus());
        cleanups.push(() => api.stop());
        return api;
      },
    };
  }

  async function proxy(): Promise<TcpProxy> {
    const p = await startTcpProxy(serviceUrl('redis'));
    cleanups.push(() => p.close());
    return p;
  }

  return { stack, proxy };
}
