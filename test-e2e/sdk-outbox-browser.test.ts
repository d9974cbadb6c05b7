/**
 * The outbox across a real page reload in Chromium, with the browser's own localStorage: a message
 * typed while the page is offline and one on its way when the page reloads both land exactly once,
 * with their original client_msg_id, after the reload (the SDK bundle is built from source).
 *
 * Needs /usr/bin/chromium, like browser.test.ts (skipped without it unless CI is set).
 */
import { freePort } from '@parley/testing';
import type { ChatMessage, MessagesPage } from '@parley/protocol';
import { build } from 'esbuild';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, launchChromium } from './support/chromium.js';
import { startTestStack, type TestStack } from './support/stack.js';

/**
 * First load: a message typed on a client that never gets a socket (the page is "offline"), and
 * one sent by a connected client, the page reloading without waiting for its ack. After the reload: a new
 * client on the same localStorage connects and reports the acks it gets.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>outbox</title>
<script type="module">
  import { createClient, localStorageOutbox } from './sdk.js';
  const { ws, sessionId } = window.PARLEY;
  const options = () => ({ url: ws, sessionId, outbox: localStorageOutbox({ prefix: 'parley.outbox.carol.' }), backoff: { minMs: 100, maxMs: 200 } });
  const stored = () => Object.keys(localStorage).filter((k) => k.startsWith('parley.outbox.carol.')).map((k) => JSON.parse(localStorage.getItem(k)));
  if (sessionStorage.getItem('phase') === null) {
    sessionStorage.setItem('phase', 'reloaded');
    window.result = (async () => {
      // Connected first, so it does not pick up (and send) the offline record below itself.
      const online = createClient(options());
      await online.connect();
      const offline = createClient(options());
      offline.room('general').send('typed while offline').catch(() => undefined);
      offline.close();
      online.room('general').send('on its way at the reload').catch(() => undefined);
      return { stored: stored() };
    })().catch((e) => ({ error: String(e && e.message || e) }));
  } else {
    window.result = (async () => {
      const client = createClient(options());
      const acks = [];
      client.on('ack', (ack) => acks.push(ack.client_msg_id));
      await client.connect();
      const deadline = Date.now() + 15000;
      while (stored().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      client.close();
      return { acks, left: stored() };
    })().catch((e) => ({ error: String(e && e.message || e) }));
  }
</script>`;

const suite = browserSuite('sdk-outbox-browser.test', 'the outbox across a page reload in Chromium');

describe.skipIf(suite.skip)(suite.title, () => {
  let stack: TestStack | undefined;
  let browser: Browser | undefined;
  let server: Server | undefined;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const [started, bundle] = await Promise.all([
      startTestStack({ apis: 1, presences: 1, gateways: 1 }, { WS_ALLOWED_ORIGINS: origin }),
      build({
        entryPoints: [fileURLToPath(new URL('../libs/client/src/index.ts', import.meta.url))],
        bundle: true,
        format: 'esm',
        target: 'es2022',
        write: false,
        conditions: ['@parley/source'],
      }),
    ]);
    stack = started;
    const session = await stack.rest<{ session_id: string }>('POST', '/api/sessions/', { user_id: 'carol' });
    const config = { ws: stack.wsUrl, sessionId: session.body.session_id };
    const sdk = bundle.outputFiles[0]!.text;
    server = createServer((req, res) => {
      if (req.url === '/sdk.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE.replace('<script type="module">', `<script>window.PARLEY = ${JSON.stringify(config)}</script><script type="module">`));
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    await stack?.close();
  });

  it('sends what was typed before the reload once, with its client_msg_id, when the page comes back', async () => {
    const page = await browser!.newPage();
    await page.goto(origin);
    const before = (await page.evaluate('window.result')) as { stored: { client_msg_id: string; content: string }[] };
    expect(before.stored.map((r) => r.content)).toContain('typed while offline');
    await page.reload();
    const after = (await page.evaluate('window.result')) as { acks: string[]; left: unknown[] };
    await page.close();
    expect(after.left).toEqual([]);
    const offline = before.stored.find((r) => r.content === 'typed while offline')!;
    expect(after.acks).toContain(offline.client_msg_id);

    const history = await stack!.rest<MessagesPage>('GET', '/api/rooms/general/messages/?limit=100');
    const carol: ChatMessage[] = history.body.messages.filter((m) => m.user_id === 'carol');
    expect(carol.map((m) => m.content).sort()).toEqual(['on its way at the reload', 'typed while offline']);
    expect(carol.find((m) => m.content === 'typed while offline')?.client_msg_id).toBe(offline.client_msg_id);
  });
});
