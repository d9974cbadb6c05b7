import type { TokenVerifier } from '@parley/auth';
import { ApiError } from './api-error.js';

/** The verified `sub` of an `Authorization: Bearer <jwt>` header, or AUTHENTICATION_ERROR. */
export async function bearerSubject(verifier: TokenVerifier | undefined, header: string | undefined): Promise<string> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1] || !verifier) throw new ApiError('AUTHENTICATION_ERROR', 'A Bearer token is required');
  const result = await verifier.verify(match[1]);
  if (!result.ok) throw new ApiError('AUTHENTICATION_ERROR', 'Invalid or expired token');
  return result.claims.sub;
}
