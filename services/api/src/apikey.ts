import { ApiKeyIdSchema, ApiKeyScopeSchema } from '@parley/protocol';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { loadApiConfig } from './config.js';
import { createDb } from './db/db.js';
import { createApiKey, listApiKeys, revokeApiKey } from './server/api-keys.js';

/**
 * `npm run apikey -- create --name billing --scopes publish,moderate` (prints the key once: only
 * its hash is stored), `npm run apikey -- list`, `npm run apikey -- revoke <key id>`. Talks to
 * DATABASE_URL (the default is `npm start`'s database), migrated by the api or `npm run migrate`.
 */
const USAGE = `usage:
  npm run apikey -- create --name <name> --scopes <${ApiKeyScopeSchema.options.join('|')}>[,...]
  npm run apikey -- list
  npm run apikey -- revoke <key id>`;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { name: { type: 'string' }, scopes: { type: 'string' } } });
const [command, ...rest] = positionals;
const fail = (message: string): never => {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
};

const db = createDb({ url: loadApiConfig().DATABASE_URL, poolMax: 1 });
try {
  if (command === 'create') {
    const name = z.string().trim().min(1).max(100).safeParse(values.name);
    if (!name.success) fail('--name is required (1-100 characters)');
    const scopes = z
      .array(ApiKeyScopeSchema)
      .min(1)
      .safeParse(values.scopes?.split(',').map((s) => s.trim()));
    if (!scopes.success) fail(`--scopes is required: a comma-separated list of ${ApiKeyScopeSchema.options.join(', ')}`);
    const { key, info } = await createApiKey(db, name.data!, scopes.data!);
    process.stderr.write(`created key ${info.key_id} (${info.name}: ${info.scopes.join(', ')}); it is shown this once, store it now:\n`);
    process.stdout.write(`${key}\n`);
  } else if (command === 'list') {
    for (const k of await listApiKeys(db)) {
      const state = k.revoked_at ? `revoked ${k.revoked_at}` : `last used ${k.last_used_at ?? 'never'}`;
      process.stdout.write(`${k.key_id}  ${k.name}  ${k.scopes.join(',')}  created ${k.created_at}  ${state}\n`);
    }
  } else if (command === 'revoke') {
    const id = ApiKeyIdSchema.safeParse(rest[0]);
    if (!id.success) fail('revoke needs a key id (16 hex characters, from `list`)');
    if (!(await revokeApiKey(db, id.data!))) fail(`no key ${id.data}`);
    process.stdout.write(`revoked ${id.data}\n`);
  } else {
    fail(command ? `unknown command ${command}` : 'a command is required');
  }
} catch (err) {
  const message = (err as Error).message;
  process.stderr.write(`apikey failed: ${message}${/api_keys/.test(message) ? ' (migrate first: npm start, or npm run migrate -w @parley/api)' : ''}\n`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
