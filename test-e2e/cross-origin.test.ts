/**
 * A front end on another origin (a Vite dev server on :5173, say) using the stack from Chromium:
 * REST through CORS (a JSON POST needs a preflight) and the WebSocket through the Origin check,
 * both allowed by the one WS_ALLOWED_ORIGINS list; the SDK's token travels in
 * Sec-WebSocket-Protocol. A page from an origin not on the list gets neither.
 *
 * Needs /usr/bin/chromium, like browser.test.ts (skipped without it unless CI is set).
 */
import { signToken } from '@parley/auth';
import { createTestDatabase, freePort, type TestDatabase } from '@parley/testing';
import { startStack, type Stack } from '@parley/tools/stack';
import { build } from 'esbuild';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, JWT_SECRET } from './support/stack.js';
import { browserSuite, launchChromium } from './support/chromium.js';

/** The page a front-end developer would write: create a session over REST, then chat through the SDK. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>elsewhere</title><pre id="out"></pre>
<script type="module">
  import { createClient } from './sdk.js';
  const out = (line) => (document.getElementById('out').textContent += line + '\\n');
  window.result = (async () => {
    const { api, ws, token } = window.PARLEY;
    const res = await fetch(api + '/api/sessions/', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'vite-user' }),
    });
    const { session_id } = await res.json();
    const client = createClient({ url: ws, sessionId: session_id, token, connectTimeoutMs: 5000, backoff: { minMs: 100, maxMs: 200 } });
    const closed = new Promise((resolve) => client.on('state', (s) => s.status === 'closed' && resolve(s)));
    const welcome = await Promise.race([client.connect(), closed.then((s) => Promise.reject(new Error('closed ' + s.code)))]);
    const echoed = new Promise((resolve) => client.on('message', (m) => resolve(m.content)));
    const ack = await client.send('general', 'hello from another origin');
    const content = await echoed;
    client.close();
    out('done');
    return { user_id: welcome.user_id, seq: ack.seq, content };
  })().catch((e) => ({ error: String(e && e.message || e) }));
</script>`;

const suite = browserSuite('cross-origin.test', 'a page on a second origin (CORS and the WebSocket Origin check)');

describe.skipIf(suite.skip)(suite.title, () => {
  let db: TestDatabase | undefined;
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const servers: Server[] = [];
  let allowed: string;
  let refused: string;

  /** Serves PAGE and the SDK bundle on 127.0.0.1:`port`: the "Vite dev server". */
  async function frontEnd(port: number, sdk: string, config: object): Promise<string> {
    const server = createServer((req, res) => {
      if (req.url === '/sdk.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE.replace('<script type="module">', `<script>window.PARLEY = ${JSON.stringify(config)}</script><script type="module">`));
    });
    servers.push(server);
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${port}`;
  }

  beforeAll(async () => {
    db = await createTestDatabase('parley_e2e_cors');
    const [edgePort, allowedPort, refusedPort] = await Promise.all([freePort(), freePort(), freePort()]);
    stack = await startStack({
      apis: 1,
      presences: 1,
      gateways: 1,
      edgePort,
      // One list for both checks: CORS_ORIGINS is left unset on purpose.
      env: { ...isolatedEnv(db), JWT_SECRET, WS_ALLOWED_ORIGINS: `http://127.0.0.1:${allowedPort}`, LOG_LEVEL: 'warn' },
    });
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('../libs/client/src/index.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      conditions: ['@parley/source'],
    });
    const sdk = bundle.outputFiles[0]!.text;
    const config = {
      api: stack.edge.url,
      ws: `${stack.edge.url.replace('http', 'ws')}/ws/chat/`,
      token: await signToken(JWT_SECRET, { sub: 'vite-user' }, { expiresIn: 600 }),
    };
    allowed = await frontEnd(allowedPort, sdk, config);
    refused = await frontEnd(refusedPort, sdk, config);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const server of servers) server.close();
    await stack?.close();
    await db?.drop();
  });

  async function run(origin: string): Promise<Record<string, unknown>> {
    const page = await browser!.newPage();
    await page.goto(origin);
    const result = (await page.evaluate('window.result')) as Record<string, unknown>;
    await page.close();
    return result;
  }

  it('chats from an allowed origin: REST through CORS, the socket through the Origin check, the token in the header', async () => {
    const result = await run(allowed);
    expect(result).toEqual({ user_id: 'vite-user', seq: expect.any(Number), content: 'hello from another origin' });
  });

  it('gets nothing from an origin not on the list', async () => {
    const result = await run(refused);
    expect(result['error']).toMatch(/Failed to fetch/);
  });
});
