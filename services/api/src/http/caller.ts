import type { TokenVerifier } from '@parley/auth';
import { SessionIdSchema } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/db.js';
import { activeSession } from '../sessions/sessions.service.js';
import { ApiError } from './api-error.js';
import { bearerSubject } from './bearer.js';

/**
 * Who is asking. `token`: a verified Bearer JWT's `sub`. `session`: the user of the session
 * named by `X-Session-Id` (a session id is a credential: it is never shown to anyone but its
 * owner), accepted only when AUTH_REQUIRED is off.
 */
export interface Caller {
  readonly user_id: string;
  readonly via: 'token' | 'session';
}

/** The header that names the caller's session when tokens are not required. */
export const SESSION_HEADER = 'x-session-id';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every request in the scope {@link registerCaller} ran in; null when anonymous. */
    caller: Caller | null;
  }
}

export interface CallerOptions {
  db: Db;
  verifier: TokenVerifier | undefined;
  authRequired: boolean;
}

/**
 * Resolves the caller of every request in `scope` before anything else runs: with AUTH_REQUIRED
 * a request without a valid Bearer token is answered 401 there, so no route can forget it.
 */
export function registerCaller(scope: FastifyInstance, options: CallerOptions): void {
  scope.decorateRequest('caller', null);
  scope.addHook('onRequest', async (request) => {
    request.caller = await identifyCaller(request, options);
  });
}

async function identifyCaller(request: FastifyRequest, { db, verifier, authRequired }: CallerOptions): Promise<Caller | null> {
  const { authorization } = request.headers;
  if (authorization !== undefined || authRequired) {
    return { user_id: await bearerSubject(verifier, authorization), via: 'token' };
  }
  const header = request.headers[SESSION_HEADER];
  if (header === undefined) return null;
  const sessionId = Array.isArray(header) ? header[0] : header;
  if (!SessionIdSchema.safeParse(sessionId).success) {
    throw new ApiError('AUTHENTICATION_ERROR', `${SESSION_HEADER} must be a session id`);
  }
  const session = await activeSession(db, sessionId!);
  return { user_id: session.user_id, via: 'session' };
}

/** The caller, or AUTHENTICATION_ERROR naming both ways to identify. */
export function identified(caller: Caller | null): Caller {
  if (caller) return caller;
  throw new ApiError('AUTHENTICATION_ERROR', `Identify yourself: Authorization: Bearer <jwt>, or ${SESSION_HEADER}: <session id>`);
}
