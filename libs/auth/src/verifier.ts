import { createRemoteJWKSet, errors, jwtVerify, type FlattenedJWSInput, type JWTHeaderParameters, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { failure, hasCode, KeysUnavailableError, toFailure } from './errors.js';
import { resolveOptions, type TokenVerifierOptions } from './options.js';
import type { TokenClaims, TokenVerifier, VerifyResult } from './types.js';

/** Wraps a remote JWKS so that failing to load keys is told apart from a token with an unknown key. */
function jwksKeyResolver(url: URL, timeoutMs: number): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(url, { timeoutDuration: timeoutMs });
  return async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      // An unknown kid is the token's problem; several matching keys are tried one by one below.
      if (hasCode(error, 'ERR_JWKS_NO_MATCHING_KEY') || hasCode(error, 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')) throw error;
      throw new KeysUnavailableError(error);
    }
  };
}

/** jose checks `iat` only with `maxTokenAge`; a token issued in the future is refused here too. */
function checkClaims(payload: Record<string, unknown>, clockToleranceSec: number): VerifyResult {
  const { sub, exp, iat } = payload;
  if (typeof sub !== 'string' || sub === '') return failure('invalid_claims', '"sub" claim must be a non-empty string');
  if (typeof exp !== 'number') return failure('invalid_claims', '"exp" claim must be a number');
  if (iat !== undefined && (typeof iat !== 'number' || iat > Date.now() / 1000 + clockToleranceSec)) {
    return failure('invalid_claims', '"iat" claim timestamp check failed (it should be in the past)');
  }
  return { ok: true, claims: payload as TokenClaims };
}

/**
 * Creates a {@link TokenVerifier} for HS256 tokens signed with `secret`, or for asymmetric tokens
 * whose keys are published at `jwksUrl` (fetched on first use, cached ten minutes, refetched at
 * most every 30 s when an unknown `kid` appears; see jose's `createRemoteJWKSet`).
 *
 * Every token must: be at most `maxTokenBytes`; use a pinned algorithm (`alg: none` and algorithm
 * confusion are refused); carry a valid signature; carry `exp` and a non-empty string `sub`; not be
 * expired, not yet valid (`nbf`) or issued in the future (`iat`) beyond `clockToleranceSec`; and
 * match `issuer`/`audience` when configured.
 *
 * Throws `TypeError` on invalid options (start-up time). `verify` itself never rejects.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const resolved = resolveOptions(options);
  const key = resolved.key.kind === 'secret' ? resolved.key.secret : jwksKeyResolver(resolved.key.url, resolved.key.timeoutMs);
  const verifyOptions: JWTVerifyOptions = {
    algorithms: resolved.algorithms,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: resolved.clockToleranceSec,
    ...(resolved.issuer === undefined ? {} : { issuer: resolved.issuer }),
    ...(resolved.audience === undefined ? {} : { audience: resolved.audience }),
    ...(resolved.maxTokenAgeSec === undefined ? {} : { maxTokenAge: resolved.maxTokenAgeSec }),
  };

  async function verifyWithJose(token: string): Promise<Record<string, unknown>> {
    try {
      const result = typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
      return result.payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      // Several keys match (no `kid`, e.g. mid-rotation): try each, as jose's docs prescribe.
      for await (const candidate of error) {
        try {
          return (await jwtVerify(token, candidate, verifyOptions)).payload;
        } catch (inner) {
          if (!hasCode(inner, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')) throw inner;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  }

  return {
    async verify(token: string): Promise<VerifyResult> {
      if (typeof token !== 'string' || token === '') return failure('malformed', 'token is missing');
      // A UTF-8 string is at least as many bytes as it has UTF-16 units, so the cheap test goes first.
      if (token.length > resolved.maxTokenBytes || Buffer.byteLength(token, 'utf8') > resolved.maxTokenBytes) {
        return failure('too_large', `token is larger than ${resolved.maxTokenBytes} bytes`);
      }
      try {
        return checkClaims(await verifyWithJose(token), resolved.clockToleranceSec);
      } catch (error) {
        return toFailure(error);
      }
    },
  };
}
