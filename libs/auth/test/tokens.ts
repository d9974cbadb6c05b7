import { base64url, CompactSign, SignJWT, type JWTPayload } from 'jose';

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
export const KEY = new TextEncoder().encode(SECRET);

export const now = (): number => Math.floor(Date.now() / 1000);

const b64 = (value: unknown): string => base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));

/** An HS256 JWT over exactly `claims` (no defaults added), signed with `key`. */
export function hs256(claims: JWTPayload, key: Uint8Array = KEY, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header }).sign(key);
}

/** Valid claims for a user, expiring in an hour. */
export const claims = (extra: JWTPayload = {}): JWTPayload => ({ sub: 'user-1', iat: now(), exp: now() + 3600, ...extra });

/** A hand-built unsecured JWT (`alg: none`, empty signature), as an attacker would send it. */
export function unsecured(payload: JWTPayload, alg = 'none'): string {
  return `${b64({ alg, typ: 'JWT' })}.${b64(payload)}.`;
}

/** A correctly HS256-signed JWS over an arbitrary payload string (for non-JSON payload cases). */
export function signRaw(payload: string, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'HS256', ...header }).sign(KEY);
}

/** A token-shaped string from raw segments. */
export const segments = (header: unknown, payload: unknown, signature = 'c2ln'): string => `${b64(header)}.${b64(payload)}.${signature}`;
