import type { AuthFailureReason, VerifyResult } from './types.js';

/** A verification failure as {@link VerifyResult} carries it. */
export type Failure = Extract<VerifyResult, { ok: false }>;

export function failure(reason: AuthFailureReason, message: string): Failure {
  return { ok: false, reason, message };
}

/**
 * Thrown from our JWKS key resolver when the key set itself could not be loaded (network error,
 * timeout, non-200, bad JSON, unusable key), so it is not mistaken for a bad token.
 */
export class KeysUnavailableError extends Error {
  readonly code = 'PARLEY_KEYS_UNAVAILABLE';
  constructor(cause: unknown) {
    super('the token signing keys are unavailable, try again later', { cause });
  }
}

/** jose error codes → our reasons. Compared by `code`, not `instanceof`, to survive duplicate copies of jose. */
const REASONS: Readonly<Record<string, AuthFailureReason>> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'invalid_claims',
  ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm_not_allowed',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'invalid_signature',
  ERR_JWKS_NO_MATCHING_KEY: 'key_not_found',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWT_INVALID: 'malformed',
  ERR_JOSE_NOT_SUPPORTED: 'malformed',
  PARLEY_KEYS_UNAVAILABLE: 'keys_unavailable',
};

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` is the jose error with `code` (e.g. `ERR_JWKS_MULTIPLE_MATCHING_KEYS`). */
export function hasCode(error: unknown, code: string): boolean {
  return codeOf(error) === code;
}

/**
 * Maps anything `jwtVerify` can throw to a failure. jose's own messages are kept (they name the
 * check, never the token); anything else, such as the `TypeError` jose throws on some malformed
 * input, becomes a generic `malformed`.
 */
export function toFailure(error: unknown): Failure {
  const code = codeOf(error);
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason === undefined) return failure('malformed', 'token is not a valid JWT');
  const message = error instanceof Error && error.message !== '' ? error.message : reason.replaceAll('_', ' ');
  return failure(reason, message);
}
