import { API_KEY_PATTERN, type ApiKeyInfo, type ApiKeyScope } from '@parley/protocol';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/db.js';

/** A key that authenticated: who is calling the server API, and what it may do. */
export interface ApiKeyCaller {
  readonly key_id: string;
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
}

const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Creates a key and returns it once: only its id and the SHA-256 of its secret are stored. */
export async function createApiKey(db: Db, name: string, scopes: ApiKeyScope[]): Promise<{ key: string; info: ApiKeyInfo }> {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_keys')
    .values({ key_id: keyId, name, secret_sha256: sha256(secret), scopes: [...new Set(scopes)] })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key: `pk_${keyId}_${secret}`, info: toInfo(row) };
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('key_id').execute();
  return rows.map(toInfo);
}

/** Revokes a key at once (every api instance reads the row on each request); false when unknown. */
export async function revokeApiKey(db: Db, keyId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('key_id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n) return true;
  return (await db.selectFrom('api_keys').select('key_id').where('key_id', '=', keyId).executeTakeFirst()) !== undefined;
}

/**
 * The caller a presented key stands for, or null (malformed, unknown, wrong secret or revoked).
 * `last_used_at` is written at most once a minute per key, after the answer, so a busy key costs
 * no write per request.
 */
export async function authenticateApiKey(db: Db, presented: string): Promise<ApiKeyCaller | null> {
  const match = API_KEY_PATTERN.exec(presented);
  if (!match) return null;
  const [, keyId, secret] = match as unknown as [string, string, string];
  const row = await db
    .selectFrom('api_keys')
    .select(['key_id', 'name', 'scopes', 'secret_sha256', 'revoked_at', 'last_used_at'])
    .where('key_id', '=', keyId)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  const expected = Buffer.from(row.secret_sha256, 'hex');
  const actual = Buffer.from(sha256(secret), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  if (row.last_used_at === null || Date.now() - row.last_used_at.getTime() > 60_000) {
    void db
      .updateTable('api_keys')
      .set({ last_used_at: sql<Date>`now()` })
      .where('key_id', '=', keyId)
      .execute()
      .catch(() => undefined);
  }
  return { key_id: row.key_id, name: row.name, scopes: row.scopes };
}

function toInfo(row: {
  key_id: string;
  name: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}): ApiKeyInfo {
  return {
    key_id: row.key_id,
    name: row.name,
    scopes: row.scopes,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
  };
}
