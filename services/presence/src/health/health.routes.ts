import type { Metrics } from '@parley/observability';
import { HTTP_STATUS_FOR_HEALTH, HealthResponseSchema } from '@parley/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { InstanceHealthCheck } from './instance-health.js';
import type { StackHealth } from './stack-health.js';

export interface HealthRoutesOptions {
  stack: StackHealth;
  self: InstanceHealthCheck;
  metrics: Metrics;
}

/**
 * `/healthz`: the whole stack, the seed's exact shape (200 healthy/degraded, 503 unhealthy).
 * `/livez`: this process is up. `/readyz`: this instance's own dependencies (200 while degraded:
 * without Redis, presence still serves `/healthz`, which must then say `degraded`).
 * `/metrics`: Prometheus text.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { stack, self, metrics }) => {
  app.get('/healthz', async (_request, reply) => {
    // Parsing strips anything the seed's shape does not have and fails loudly on a bug.
    const report = HealthResponseSchema.parse(await stack.check());
    return reply.status(HTTP_STATUS_FOR_HEALTH[report.status]).header('cache-control', 'no-store').send(report);
  });
  app.get('/livez', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await self.check();
    return reply.status(HTTP_STATUS_FOR_HEALTH[report.status]).header('cache-control', 'no-store').send(report);
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
};
