import { errorData, type ErrorData } from '@parley/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from './api-error.js';
import { withTraceId } from './http-tracing.js';

/**
 * One error shape for every response: `{error_code, error_message, details?}`.
 * Bad input is a 400 naming the field; 5xx are logged with the error and answered generically.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return reply.status(error.statusCode).send(withTraceId(request, error.data));
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const field = [error.validationContext, first?.instancePath.replace(/^\//, '').replaceAll('/', '.')].filter(Boolean).join('.');
      const body = errorData('VALIDATION_ERROR', 'Invalid request', { field: field || '$', issue: first?.message ?? 'invalid' });
      return reply.status(400).send(withTraceId(request, body));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // fastify's own 4xx: malformed JSON, body too large, unsupported media type, ...
      const body: ErrorData = errorData(status === 429 ? 'RATE_LIMIT_EXCEEDED' : 'VALIDATION_ERROR', error.message);
      return reply.status(status).send(withTraceId(request, body));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(withTraceId(request, errorData('INTERNAL_ERROR', 'Internal server error')));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(withTraceId(request, errorData('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`))),
  );
}
