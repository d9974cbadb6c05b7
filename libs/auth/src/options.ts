/** Asymmetric JWS algorithms a JWKS verifier may be pinned to. Never `HS*` (confusion) or `none`. */
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/** The minimum HS256 secret length, in UTF-8 bytes (RFC 7518 §3.2: a key as long as the hash). */
export const MIN_SECRET_BYTES = 32;

export interface TokenVerifierOptions {
  /** HS256 shared secret, at least 32 UTF-8 bytes. Exactly one of `secret` and `jwksUrl`. */
  readonly secret?: string;
  /** `http(s)` URL of the issuer's JSON Web Key Set. Exactly one of `secret` and `jwksUrl`. */
  readonly jwksUrl?: string;
  /** Algorithms accepted with `jwksUrl` (default `RS256`, `ES256`, `EdDSA`); asymmetric only. A `secret` verifier always pins `HS256`. */
  readonly algorithms?: readonly string[];
  /** Required `iss` value(s), checked when set. */
  readonly issuer?: string | readonly string[];
  /** Required `aud` value(s) (one must match), checked when set. */
  readonly audience?: string | readonly string[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds (default 30). */
  readonly clockToleranceSec?: number;
  /** Tokens longer than this many UTF-8 bytes are refused unparsed (default 8192). */
  readonly maxTokenBytes?: number;
  /** When set, `iat` is required and a token older than this many seconds is `expired`. */
  readonly maxTokenAgeSec?: number;
  /** Deadline for one JWKS fetch, in milliseconds (default 5000). */
  readonly jwksTimeoutMs?: number;
}

/** Options after validation, defaults applied. */
export interface ResolvedOptions {
  readonly key: { readonly kind: 'secret'; readonly secret: Uint8Array } | { readonly kind: 'jwks'; readonly url: URL; readonly timeoutMs: number };
  readonly algorithms: string[];
  readonly issuer?: string | string[];
  readonly audience?: string | string[];
  readonly clockToleranceSec: number;
  readonly maxTokenBytes: number;
  readonly maxTokenAgeSec?: number;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`createTokenVerifier: ${name} must be a non-negative number`);
  return value;
}

const copy = (value: string | readonly string[] | undefined) => (typeof value === 'string' || value === undefined ? value : [...value]);

/** Validates options at construction time, so a misconfigured service fails at start, not per request. */
export function resolveOptions(options: TokenVerifierOptions): ResolvedOptions {
  const { secret, jwksUrl } = options;
  if ((secret === undefined) === (jwksUrl === undefined)) {
    throw new TypeError('createTokenVerifier: set exactly one of secret (HS256) or jwksUrl');
  }
  const common = {
    issuer: copy(options.issuer),
    audience: copy(options.audience),
    clockToleranceSec: nonNegative('clockToleranceSec', options.clockToleranceSec ?? 30),
    maxTokenBytes: nonNegative('maxTokenBytes', options.maxTokenBytes ?? 8192),
    maxTokenAgeSec: options.maxTokenAgeSec === undefined ? undefined : nonNegative('maxTokenAgeSec', options.maxTokenAgeSec),
  };

  if (secret !== undefined) {
    const bytes = new TextEncoder().encode(secret);
    if (bytes.byteLength < MIN_SECRET_BYTES) throw new TypeError(`createTokenVerifier: secret must be at least ${MIN_SECRET_BYTES} bytes`);
    if (options.algorithms !== undefined) throw new TypeError('createTokenVerifier: algorithms apply to jwksUrl only; a secret always means HS256');
    return { ...common, key: { kind: 'secret', secret: bytes }, algorithms: ['HS256'] };
  }

  let url: URL;
  try {
    url = new URL(jwksUrl ?? '');
  } catch {
    throw new TypeError('createTokenVerifier: jwksUrl must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('createTokenVerifier: jwksUrl must be http(s)');
  const algorithms = [...(options.algorithms ?? ['RS256', 'ES256', 'EdDSA'])];
  const rejected = algorithms.filter((alg) => !ASYMMETRIC.has(alg));
  if (algorithms.length === 0 || rejected.length > 0) {
    throw new TypeError(
      `createTokenVerifier: algorithms must be a non-empty list of asymmetric JWS algorithms (rejected: ${rejected.join(', ') || 'empty list'})`,
    );
  }
  const timeoutMs = nonNegative('jwksTimeoutMs', options.jwksTimeoutMs ?? 5_000);
  return { ...common, key: { kind: 'jwks', url, timeoutMs: Math.round(timeoutMs) }, algorithms };
}
