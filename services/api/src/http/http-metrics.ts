import type { Metrics } from '@parley/observability';
import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';

/**
 * `parley_api_http_request_duration_seconds{method, route, status_code}` for every response
 * (its `_count` is the request count). `route` is the route's pattern (`/api/rooms/:room_id/`),
 * never the raw URL, so ids cannot blow up the series count; no route matched → `unmatched`.
 * Added on the root instance so it sees every route, whatever plugin registered it.
 */
export function instrumentHttp(app: FastifyInstance, metrics: Metrics): void {
  const duration = new Histogram({
    name: 'parley_api_http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status, request received to response sent',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
