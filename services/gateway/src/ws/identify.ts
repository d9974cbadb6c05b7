import { BusRequestError, subjects } from '@parley/bus';
import {
  CLOSE_CODES,
  errorData,
  isApiKeyShaped,
  SessionIdSchema,
  PersonIdSchema,
  type CloseCodeInfo,
  type ErrorData,
  type ResolveSessionRequest,
  type SessionInfo,
} from '@parley/protocol';
import type { GatewayContext } from '../context.js';

/** What the handshake URL carries (empty values count as absent). */
export interface HandshakeParams {
  readonly token?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly roomId?: string | undefined;
}

export type Identity =
  /** `tokenExpiresAt`: the token's `exp` in ms, when the connection was authenticated by one. */
  | { readonly ok: true; readonly session: SessionInfo; readonly tokenExpiresAt?: number | undefined }
  | { readonly ok: false; readonly error: ErrorData; readonly close: CloseCodeInfo };

const denied = (message: string): Identity => ({
  ok: false,
  error: errorData('AUTHENTICATION_ERROR', message),
  close: CLOSE_CODES.AUTHENTICATION_FAILED,
});

const unavailable = (what: string): Identity => ({
  ok: false,
  error: errorData('INTERNAL_ERROR', `${what} is unavailable; try again`, { retryable: true }),
  close: CLOSE_CODES.TRY_AGAIN_LATER,
});

/**
 * Which session a new connection belongs to. A token is verified first (bad, expired or unsigned
 * → AUTHENTICATION_ERROR); then the API resolves the `session_id` (which, with a token, must
 * belong to the token's `sub`: a session id alone is not a credential when auth is required),
 * creates a session for the token's `sub`, or creates a guest session unless AUTH_REQUIRED.
 * Infrastructure failures (JWKS or API unreachable) are retryable, never an auth failure.
 */
export async function identify(params: HandshakeParams, ctx: GatewayContext): Promise<Identity> {
  let userId: string | undefined;
  let tokenExpiresAt: number | undefined;
  // Refused by name, whatever else is configured: a backend's key must never become a chat user.
  if ([params.token, params.sessionId].some((c) => c !== undefined && isApiKeyShaped(c))) {
    return denied('An API key is not a user and cannot open a WebSocket: use it on /api/server/');
  }
  if (params.token !== undefined) {
    if (!ctx.verifier) return denied('Token authentication is not enabled on this server');
    const verified = await ctx.verifier.verify(params.token);
    if (!verified.ok) {
      return verified.reason === 'keys_unavailable' ? unavailable('Token verification') : denied(`Invalid token: ${verified.message}`);
    }
    if (!PersonIdSchema.safeParse(verified.claims.sub).success) return denied('Invalid token: "sub" is not a valid user id (or is reserved)');
    userId = verified.claims.sub;
    tokenExpiresAt = verified.claims.exp * 1_000;
  } else if (ctx.config.AUTH_REQUIRED) {
    return denied('Authentication required: offer the subprotocol parley.token.<JWT> (or connect with ?token=<JWT>)');
  }

  let request: ResolveSessionRequest;
  if (params.sessionId !== undefined) {
    if (!SessionIdSchema.safeParse(params.sessionId).success) return denied('Session is unknown, expired or closed');
    request = userId === undefined ? { mode: 'session', session_id: params.sessionId } : { mode: 'session', session_id: params.sessionId, user_id: userId };
  } else {
    request = userId === undefined ? { mode: 'guest' } : { mode: 'user', user_id: userId };
  }

  try {
    const session = await ctx.bus.request(subjects.api.resolveSession, request, { timeoutMs: ctx.config.API_TIMEOUT_MS });
    if (session.status !== 'active') return denied('Session is unknown, expired or closed');
    return { ok: true, session, tokenExpiresAt };
  } catch (err) {
    if (err instanceof BusRequestError && err.code === 'remote') {
      const code = err.remote?.error_code;
      if (code === 'AUTHENTICATION_ERROR' || code === 'SESSION_NOT_FOUND' || code === 'VALIDATION_ERROR') {
        return denied(err.remote?.error_message ?? 'Session is unknown, expired or closed');
      }
    }
    ctx.logger.warn({ err }, 'session resolution failed');
    return unavailable('The session service');
  }
}
