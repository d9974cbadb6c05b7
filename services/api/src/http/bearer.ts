import type { TokenVerifier } from '@parley/auth';
import { PersonIdSchema } from '@parley/protocol';
import { ApiError } from './api-error.js';

/** The verified `sub` of an `Authorization: Bearer <jwt>` header, or AUTHENTICATION_ERROR. */
export async function bearerSubject(verifier: TokenVerifier | undefined, header: string | undefined): Promise<string> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1] || !verifier) throw new ApiError('AUTHENTICATION_ERROR', 'A Bearer token is required');
  const result = await verifier.verify(match[1]);
  if (!result.ok) throw new ApiError('AUTHENTICATION_ERROR', 'Invalid or expired token');
  // `system` and `bot:*` write through the server API only: a token naming one is no person.
  if (!PersonIdSchema.safeParse(result.claims.sub).success)
    throw new ApiError('AUTHENTICATION_ERROR', 'Invalid token: "sub" is not a valid user id (or is reserved)');
  return result.claims.sub;
}
