import { errorData } from '@parley/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';

/** One error shape for every response: `{error_code, error_message}`; 5xx are logged and answered generically. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.status(status).send(errorData('VALIDATION_ERROR', error.message));
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(errorData('INTERNAL_ERROR', 'Internal server error'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorData('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
