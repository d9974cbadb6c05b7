import type { TokenVerifier } from './types.js';
import { createTokenVerifier } from './verifier.js';

/** The token settings as services read them from the environment (see `authFields` in @parley/config). */
export interface TokenSettings {
  readonly JWT_SECRET?: string | undefined;
  readonly JWT_JWKS_URL?: string | undefined;
  readonly JWT_ISSUER?: string | undefined;
  readonly JWT_AUDIENCE?: string | undefined;
}

/**
 * The verifier a service's settings describe: HS256 with `JWT_SECRET`, else the JWKS at
 * `JWT_JWKS_URL`; `undefined` when neither is set (the service then accepts no token).
 */
export function verifierFromSettings(settings: TokenSettings): TokenVerifier | undefined {
  const { JWT_SECRET: secret, JWT_JWKS_URL: jwksUrl, JWT_ISSUER: issuer, JWT_AUDIENCE: audience } = settings;
  if (secret !== undefined) return createTokenVerifier({ secret, issuer, audience });
  if (jwksUrl !== undefined) return createTokenVerifier({ jwksUrl, issuer, audience });
  return undefined;
}
