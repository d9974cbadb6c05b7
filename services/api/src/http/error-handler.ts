import { errorData } from '@parley/protocol';
import type { ErrorRendering } from '@parley/service';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from './api-error.js';
import { withTraceId } from './http-tracing.js';

/**
 * The api's additions to the service shell's error envelope: its own ApiError with its code, bad
 * input as a 400 naming the field, and the trace id on every error body.
 */
export const apiErrors: ErrorRendering = {
  render(error) {
    if (error instanceof ApiError) return { statusCode: error.statusCode, data: error.data };
    if (!hasZodFastifySchemaValidationErrors(error)) return undefined;
    const first = error.validation[0];
    const field = [error.validationContext, first?.instancePath.replace(/^\//, '').replaceAll('/', '.')].filter(Boolean).join('.');
    return { statusCode: 400, data: errorData('VALIDATION_ERROR', 'Invalid request', { field: field || '$', issue: first?.message ?? 'invalid' }) };
  },
  decorate: withTraceId,
};
