/**
 * The SDK as a user gets it: `npm pack` of libs/client (its prepack builds ESM, CJS and one .d.ts),
 * installed into an empty project beside `ws`, then Node scripts that chat with a real stack
 * through it, by `import` and by `require`, and a TypeScript file type-checked against it.
 * The install prefers the npm cache (`--prefer-offline`): zod and ws are usually in it after `npm ci`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './support/stack.js';

const run = promisify(execFile);
const CLIENT_DIR = fileURLToPath(new URL('../libs/client', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** A Node script that creates a session, joins `general`, sends `text` and prints the message it gets back. */
const chat = (load: string, user: string) => `${load}
const base = process.env.PARLEY_URL;
const main = async () => {
  const res = await fetch(base + '/api/sessions/', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: '${user}' }),
  });
  const { session_id } = await res.json();
  const client = createClient({ url: base.replace('http', 'ws') + '/ws/chat/', sessionId: session_id, WebSocket });
  const echoed = new Promise((resolve) => client.on('message', resolve));
  await client.connect();
  await client.join('general');
  const ack = await client.send('general', 'hello from ${user}');
  const message = await echoed;
  client.close();
  console.log(JSON.stringify({ seq: ack.seq, content: message.content, user_id: message.user_id, error: typeof ParleyError }));
};
main().catch((error) => { console.error(error); process.exit(1); });
`;

const TYPED = `import { createClient, ParleyError, type ClientState, type MessageAckData } from '@parley/client';
import WebSocket from 'ws';
const client = createClient({ url: 'ws://127.0.0.1:8080/ws/chat/', WebSocket, getToken: async () => 'jwt' });
client.on('state', (state: ClientState) => void state.status);
const ack: Promise<MessageAckData> = client.send('general', 'hi');
void ack.catch((e: unknown) => e instanceof ParleyError && e.code);
// @ts-expect-error: send takes a string
void client.send('general', 42);
`;

describe('the packed SDK in an empty project', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-sdk-'));
    const [, tarball] = await Promise.all([
      startTestStack({ apis: 1, presences: 1, gateways: 1 }).then((s) => (stack = s)),
      run('npm', ['pack', '--pack-destination', dir], { cwd: CLIENT_DIR }).then(async () => {
        const [name] = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
        return join(dir, name!);
      }),
    ]);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'ws@8.23.0', '@types/ws@8.18.2'], { cwd: dir });
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships only the build, the README and the license', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: CLIENT_DIR });
    const files = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path).sort();
    expect(files).toEqual(['LICENSE', 'README.md', 'dist/index.cjs', 'dist/index.d.cts', 'dist/index.d.ts', 'dist/index.js', 'package.json']);
  });

  it.each([
    ['import', 'esm.mjs', `import { createClient, ParleyError } from '@parley/client';\nimport WebSocket from 'ws';`],
    ['require', 'cjs.cjs', `const { createClient, ParleyError } = require('@parley/client');\nconst WebSocket = require('ws');`],
  ])('chats with the stack through %s', async (how, file, load) => {
    const user = `node-${how}`;
    await writeFile(join(dir, file), chat(load, user));
    const { stdout } = await run(process.execPath, [file], { cwd: dir, env: { ...process.env, PARLEY_URL: stack.url }, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ seq: expect.any(Number), content: `hello from ${user}`, user_id: user, error: 'function' });
  });

  it('type-checks a TypeScript consumer against the bundled declarations', async () => {
    await writeFile(join(dir, 'typed.ts'), TYPED);
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'false', '--types', 'node', 'typed.ts'];
    const result = await run(process.execPath, [TSC, ...args], { cwd: dir }).catch((e: { stdout: string }) => e);
    expect(result.stdout).toBe('');
  });
});
