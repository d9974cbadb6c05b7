import type { ApiKeyScope } from '@parley/protocol';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ApiStack } from './stack.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A server-API key for the stack's database, made as an operator makes one: `npm run apikey -- create`. */
export function createApiKey(stack: ApiStack, name: string, scopes: ApiKeyScope[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', '--silent', 'apikey', '--', 'create', '--name', name, '--scopes', scopes.join(',')],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: stack.db.url } },
      (error, stdout, stderr) => (error ? reject(new Error(`apikey failed: ${stderr}`)) : resolve(stdout.trim())),
    );
  });
}
