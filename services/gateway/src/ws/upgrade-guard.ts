import { errorData } from '@parley/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.js';

/**
 * Checks that run before the upgrade, answered with a plain HTTP status (no socket is created):
 * draining (503), the Origin allowlist (403, cross-site WebSocket hijacking), the process-wide
 * connection cap (503) and the per-IP cap (429). `request.ip` is the peer address, or the
 * X-Forwarded-For client when the peer is a trusted proxy (fastify `trustProxy`). Authentication
 * is not checked here: its failures are answered in-band, where a browser can read them.
 */
export function upgradeGuard(ctx: GatewayContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!request.ws) return;
    if (ctx.draining) {
      return reply.code(503).send(errorData('SERVICE_UNAVAILABLE', 'Server is restarting; reconnect', { retryable: true }));
    }
    const origin = request.headers.origin;
    if (!ctx.origins.allows(origin)) {
      request.log.warn({ origin }, 'websocket upgrade refused: origin not allowed');
      return reply.code(403).send(errorData('PERMISSION_DENIED', 'Origin not allowed'));
    }
    if (ctx.hub.all.size >= ctx.config.WS_MAX_CONNECTIONS) {
      return reply.code(503).send(errorData('SERVICE_UNAVAILABLE', 'Server is at capacity; try another', { retryable: true }));
    }
    if (ctx.hub.ipCount(request.ip) >= ctx.config.WS_CONNECTIONS_PER_IP) {
      request.log.info({ ip: request.ip }, 'websocket upgrade refused: too many connections from this address');
      return reply.code(429).send(errorData('RATE_LIMIT_EXCEEDED', 'Too many connections from this address', { retry_after_ms: 5_000 }));
    }
  };
}
