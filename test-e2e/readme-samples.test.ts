import { MessagesPageSchema } from '@parley/protocol';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './support/stack.js';

/**
 * Every JavaScript sample in README.md runs as written on the Node this project pins (20: no
 * global WebSocket), against the stack as processes. The one change made to a sample is the
 * address: the README's http://127.0.0.1:8080 becomes this test's edge.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README_ADDRESS = '127.0.0.1:8080';

interface Sample {
  line: number;
  lang: string;
  code: string;
}

function samples(markdown: string): Sample[] {
  const found: Sample[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !lines[++i]!.startsWith('```'));
    found.push({ line: start, lang: open[1]!, code: lines.slice(start, i).join('\n') });
  }
  return found;
}

const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
const all = samples(readme);
const js = all.filter((s) => ['js', 'javascript', 'mjs'].includes(s.lang));

let stack: TestStack;
let dir: string;

beforeAll(async () => {
  stack = await startTestStack({ apis: 1, gateways: 1, presences: 1 });
  // Inside the repository, so `import ... from 'ws'` resolves the way `npm install ws` would.
  dir = await mkdtemp(join(ROOT, 'test-e2e', '.readme-samples-'));
});
afterAll(async () => {
  await stack?.close();
  await stack?.db.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `code` as an ES module with this Node until `done(stdout)` holds; then stops it. */
async function run(code: string, file: string, done: (stdout: string) => boolean): Promise<{ stdout: string; stderr: string; code: number | null }> {
  await writeFile(file, code);
  // As a reader runs it in a pipe: without the FORCE_COLOR that nx sets for its tasks (console.log would colour the output).
  const { FORCE_COLOR: _colour, ...env } = process.env;
  const child = spawn(process.execPath, [file], { cwd: dir, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = once(child, 'exit').then(([c]) => c as number | null);
  const finished = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (done(stdout)) resolve();
    });
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 20_000).unref());
  await Promise.race([finished, exited, timeout]);
  if (child.exitCode === null) child.kill('SIGTERM');
  return { stdout, stderr, code: await exited };
}

describe('README.md code samples', () => {
  it('has the samples this test knows how to run', () => {
    expect(process.versions.node.split('.')[0]).toBe('20');
    expect(js.length).toBeGreaterThanOrEqual(1);
    expect(all.map((s) => s.lang).filter((l) => !['js', 'sh', ''].includes(l))).toEqual([]);
  });

  it.each(js.map((s) => [s.line, s] as const))('the JavaScript sample at line %i runs and chats', async (_line, sample) => {
    expect(sample.code).toContain(README_ADDRESS);
    const code = sample.code.replaceAll(README_ADDRESS, new URL(stack.url).host);
    const before = MessagesPageSchema.parse((await stack.rest('GET', '/api/rooms/general/messages/')).body).messages.length;
    const result = await run(code, join(dir, `sample-${sample.line}.mjs`), (out) => out.includes("content: 'Hello, world!'"));
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain("action: 'welcome'");
    expect(result.stdout).toContain("content: 'Hello, world!'");
    const after = MessagesPageSchema.parse((await stack.rest('GET', '/api/rooms/general/messages/')).body).messages;
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ content: 'Hello, world!', user_id: 'user123' });
  });

  it('the "From your backend" sample runs as written: a key from the CLI, then every curl answers', async () => {
    const section = readme.slice(readme.indexOf('## From your backend'));
    const sample = samples(section).find((s) => s.lang === 'sh')!;
    // The one sample line that needs a key id of its own: revoking the example's id would fail as "no key".
    const code = sample.code.replaceAll(README_ADDRESS, new URL(stack.url).host).replace(/^npm run apikey -- revoke .*$/m, '');
    const result = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
      const child = spawn('bash', ['-euo', 'pipefail', '-c', code.replaceAll('\ncurl', '\necho; curl')], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: stack.db.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (exit) => resolve({ stdout, stderr, code: exit }));
    });
    expect(result.code, result.stderr).toBe(0);
    const answers = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(answers).toHaveLength(8);
    expect(answers[0]).toMatchObject({ duplicate: false, message: { user_id: 'bot:billing', client_msg_id: 'invoice-42' } });
    expect(answers[1]).toMatchObject({ results: [{ room_id: 'general', ok: true }] });
    expect(answers[2]).toMatchObject({ room_id: 'general' });
    expect(answers[3]).toMatchObject({ user_id: 'user123' });
    expect(answers[4]).toMatchObject({ user_id: 'mallory', until: expect.any(String) });
    expect(answers[5]).toEqual({ room_id: 'general', seconds: 0 });
    expect((answers[6] as { entries: { action: string }[] }).entries.map((e) => e.action)).toEqual(['slow_mode', 'mute']);
    expect(answers[7]).toEqual({ user_id: 'mallory', reason: 'account suspended', reconnect: false });
  });

  it('the shell samples name commands that exist and print what they say', async () => {
    const shell = all.filter((s) => s.lang === 'sh').map((s) => s.code);
    const scripts = Object.keys((JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    for (const command of shell.join('\n').matchAll(/npm (?:run )?([a-z:-]+)/g)) {
      if (command[1] !== 'ci') expect(scripts, command[0]).toContain(command[1]);
    }
    // npm start's own wording (test-e2e/start-origins.test.ts checks it on a real run).
    expect(shell.join('\n')).toContain(
      'WS_ALLOWED_ORIGINS=http://localhost:5173 npm start   # prints: origins (WebSocket and CORS): http://127.0.0.1:8080, http://localhost:8080, http://localhost:5173',
    );
  });
});
