import { SignJWT } from 'jose';
import { MIN_SECRET_BYTES } from './options.js';

/** Claims for {@link signToken}: a `sub` plus anything else (`iss`, `aud`, `name`, …). */
export interface SignClaims {
  readonly sub: string;
  readonly [claim: string]: unknown;
}

export interface SignOptions {
  /**
   * Lifetime: a number of seconds after `iat` (negative makes an already-expired token, for
   * tests), or a jose time span counted from now (`'15m'`, `'1h'`).
   */
  readonly expiresIn: number | string;
}

/**
 * Signs an HS256 JWT with `secret` (at least 32 bytes), setting `iat` to now unless `claims` has
 * one, and `exp` from `expiresIn`. For dev tools, demos and tests only: a production deployment
 * gets its tokens from its identity provider, verified through `jwksUrl`.
 */
export async function signToken(secret: string, claims: SignClaims, options: SignOptions): Promise<string> {
  const key = new TextEncoder().encode(secret);
  if (key.byteLength < MIN_SECRET_BYTES) throw new TypeError(`signToken: secret must be at least ${MIN_SECRET_BYTES} bytes`);
  const iat = typeof claims.iat === 'number' ? claims.iat : Math.floor(Date.now() / 1000);
  const { expiresIn } = options;
  if (typeof expiresIn === 'number' && !Number.isFinite(expiresIn)) throw new TypeError('signToken: expiresIn must be finite');
  return new SignJWT({ ...claims, iat })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setExpirationTime(typeof expiresIn === 'number' ? iat + expiresIn : expiresIn)
    .sign(key);
}
