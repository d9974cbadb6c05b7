/**
 * Why a token was refused. Every reason except `keys_unavailable` is the token's fault: answer
 * 401 (HTTP) or close 4401 (WebSocket). `keys_unavailable` means this server could not load its
 * verification keys (JWKS endpoint down, slow or broken): answer 503 or close 1013, retryable.
 */
export type AuthFailureReason =
  /** Not a compact JWS/JWT: wrong segment count, bad base64url, header or payload not JSON. */
  | 'malformed'
  /** Longer than `maxTokenBytes`; not parsed at all. */
  | 'too_large'
  /** `alg` is not one of the pinned algorithms (`none`, HS256 sent to a JWKS verifier, …). */
  | 'algorithm_not_allowed'
  /** The signature does not match the key. */
  | 'invalid_signature'
  /** No key in the JWKS matches the token's `kid`/`alg`. */
  | 'key_not_found'
  /** The JWKS could not be fetched or parsed; not the client's fault. */
  | 'keys_unavailable'
  /** `exp` is in the past by more than the clock tolerance (or the token is older than `maxTokenAgeSec`). */
  | 'expired'
  /** A claim is missing or wrong: no `exp` or `sub`, `iss`/`aud` mismatch, `nbf` or `iat` in the future. */
  | 'invalid_claims';

/** The verified claims set. `sub` and `exp` are always present; everything else is as the issuer sent it. */
export interface TokenClaims {
  /** The subject (user id), a non-empty string. */
  readonly sub: string;
  /** Expiry, in seconds since the epoch. */
  readonly exp: number;
  /** Issued-at, in seconds since the epoch, when the issuer set it. */
  readonly iat?: number;
  readonly [claim: string]: unknown;
}

/**
 * The outcome of {@link TokenVerifier.verify}. `message` is short, English, free of key material
 * and of the token itself: safe to return to the client and to log.
 */
export type VerifyResult =
  { readonly ok: true; readonly claims: TokenClaims } | { readonly ok: false; readonly reason: AuthFailureReason; readonly message: string };

/** Checks bearer tokens. Implementations are safe to share between concurrent requests. */
export interface TokenVerifier {
  /**
   * Verifies `token` (a compact JWT, without any `Bearer ` prefix). Resolves `{ ok: false }` for
   * every failure, including input that is not a string; never rejects.
   */
  verify(token: string): Promise<VerifyResult>;
}
