import { HTTP_STATUS_FOR_HEALTH, HealthResponseSchema } from '@parley/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { StackHealth } from './stack-health.js';

/**
 * `/healthz`: the whole stack, the seed's exact shape (200 healthy/degraded, 503 unhealthy).
 * `/livez`, `/readyz` (this instance: 200 while degraded, since without Redis presence still
 * serves `/healthz`, which must then say `degraded`) and `/metrics` come from the service shell.
 */
export const healthRoutes: FastifyPluginAsync<{ stack: StackHealth }> = async (app, { stack }) => {
  app.get('/healthz', async (_request, reply) => {
    // Parsing strips anything the seed's shape does not have and fails loudly on a bug.
    const report = HealthResponseSchema.parse(await stack.check());
    return reply.status(HTTP_STATUS_FOR_HEALTH[report.status]).header('cache-control', 'no-store').send(report);
  });
};
