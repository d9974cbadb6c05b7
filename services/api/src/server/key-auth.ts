import type { ApiKeyScope } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import { authenticateApiKey, type ApiKeyCaller } from './api-keys.js';

/** The header that carries an API key when `Authorization` does not. */
export const API_KEY_HEADER = 'x-api-key';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key that authenticated a server-API request (set in every route of the server scope). */
    apiKey: ApiKeyCaller | null;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function presentedApiKey(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return bearer;
  const header = request.headers[API_KEY_HEADER];
  return Array.isArray(header) ? header[0] : header;
}

/**
 * Every request in `scope` must present a live API key (401 otherwise, before anything else runs);
 * `request.apiKey` is then the key. A key is never a user: this scope reads no JWT and no session.
 */
export function registerApiKeyAuth(scope: FastifyInstance, db: Db): void {
  scope.decorateRequest('apiKey', null);
  scope.addHook('onRequest', async (request) => {
    const presented = presentedApiKey(request);
    if (presented === undefined) throw new ApiError('AUTHENTICATION_ERROR', `An API key is required: Authorization: Bearer <key> or ${API_KEY_HEADER}: <key>`);
    const key = await authenticateApiKey(db, presented);
    if (!key) throw new ApiError('AUTHENTICATION_ERROR', 'Invalid or revoked API key');
    request.apiKey = key;
  });
}

/** Whether `key` may act with `scope` (`admin` may do everything). */
export function keyHasScope(key: ApiKeyCaller, scope: ApiKeyScope): boolean {
  return key.scopes.includes(scope) || key.scopes.includes('admin');
}

/** A route's preHandler: 403 PERMISSION_DENIED (with `details.required_scope`) unless the key has `scope` or `admin`. */
export function requireScope(scope: ApiKeyScope): preHandlerAsyncHookHandler {
  return async (request) => {
    const key = request.apiKey;
    if (!key) throw new ApiError('AUTHENTICATION_ERROR', 'An API key is required');
    if (!keyHasScope(key, scope)) throw new ApiError('PERMISSION_DENIED', `This key lacks the '${scope}' scope`, { required_scope: scope });
  };
}
