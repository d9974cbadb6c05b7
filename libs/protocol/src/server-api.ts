import * as z from 'zod';

import { IsoDateTimeSchema } from './ids.js';

/**
 * Shapes of the server API (`/api/server/`), called by an application's backend with an API key,
 * never by a browser and never as a user.
 */

/**
 * What a key may do. `publish`: post messages as a bot or system author; `moderate`: mute, ban,
 * slow mode, disconnect, remove members; `read`: presence and the audit log; `admin`: everything,
 * including room management and webhook registration.
 */
export const ApiKeyScopeSchema = z.enum(['publish', 'moderate', 'read', 'admin']);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

/**
 * An API key as issued: `pk_<id>_<secret>`, the id 16 hex characters (shown in lists, found by
 * it), the secret 43 characters of base64url (32 random bytes; only its SHA-256 is stored).
 */
export const API_KEY_PATTERN = /^pk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A key's id: the part of the key that may be shown and logged. */
export const ApiKeyIdSchema = z.string().regex(/^[0-9a-f]{16}$/, { error: 'API key id must be 16 hex characters' });
export type ApiKeyId = z.infer<typeof ApiKeyIdSchema>;

/** Whether a credential is shaped like an API key (so a gateway can refuse it by name). */
export function isApiKeyShaped(credential: string): boolean {
  return credential.startsWith('pk_');
}

/** An API key as listed: never its secret. */
export const ApiKeyInfoSchema = z.object({
  key_id: ApiKeyIdSchema,
  name: z.string().min(1).max(100),
  scopes: z.array(ApiKeyScopeSchema),
  created_at: IsoDateTimeSchema,
  revoked_at: IsoDateTimeSchema.nullable(),
  last_used_at: IsoDateTimeSchema.nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfoSchema>;
