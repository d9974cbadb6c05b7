/**
 * The demo page (libs/client/demo) in a real browser, through the whole stack: Debian's Chromium
 * driven by playwright-core, two users in two browser contexts, 1 api, 1 presence and 2 gateways
 * as processes behind the local edge (the edge round-robins the two sockets over both gateways).
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; never a browser download). Without it
 * the suite is skipped with a message, unless CI is set: then it fails.
 */
import { signToken } from '@parley/auth';
import { ReadAckSchema, subprotocolsFor, TYPING, type ReadAckData } from '@parley/protocol';
import { createTestDatabase, freePort, type TestDatabase } from '@parley/testing';
import { startStack, type Stack } from '@parley/tools/stack';
import { isolatedEnv, JWT_SECRET } from './support/stack.js';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, launchChromium } from './support/chromium.js';

const DEMO_DIR = fileURLToPath(new URL('../libs/client/demo', import.meta.url));
/** Set to a file path to keep a screenshot of the conversation (e.g. /tmp/parley-demo.png). */
const SCREENSHOT = process.env['DEMO_SCREENSHOT'];
/** Where the layout test writes parley-demo-<width>-<view>.png, to be looked at. */
const SCREENSHOT_DIR = process.env['DEMO_SCREENSHOT_DIR'] ?? tmpdir();
/** What a one-line input or button may measure: the sign-in card once stretched inputs to 140 px. */
const CONTROL_HEIGHT = { min: 24, max: 48 };

const suite = browserSuite('browser.test', 'the demo page in Chromium, through the whole stack');

describe.skipIf(suite.skip)(suite.title, () => {
  let db: TestDatabase | undefined;
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const stackLines: string[] = [];
  const pageProblems: string[] = [];
  let alice: Page;
  let bob: Page;
  /** Every `read_ack` each page's sockets received: what the server stored when the page marked a room read. */
  const readAcks = new Map<Page, ReadAckData[]>();

  beforeAll(async () => {
    db = await createTestDatabase('parley_e2e_browser');
    // The gateways accept browser sockets only from allowed origins: the edge's, known up front.
    const edgePort = await freePort();
    stack = await startStack({
      apis: 1,
      presences: 1,
      gateways: 2,
      edgePort,
      staticDir: DEMO_DIR,
      env: {
        ...isolatedEnv(db),
        WS_ALLOWED_ORIGINS: `http://127.0.0.1:${edgePort}`,
        // Tokens are accepted (not required): the subprotocol test signs one.
        JWT_SECRET,
        LOG_LEVEL: 'info',
      },
      onLine: (instance, line) => stackLines.push(`${instance} ${line}`),
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await db?.drop();
  });

  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    console.log(`--- page problems ---\n${pageProblems.join('\n')}\n--- last stack lines ---\n${stackLines.slice(-80).join('\n')}`);
  });

  /** A fresh browser context (its own cookies and storage: another person) signed in as `user`. */
  async function signIn(user: string): Promise<Page> {
    const context = await browser!.newContext({ viewport: { width: 1100, height: 640 } });
    contexts.push(context);
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const acks: ReadAckData[] = [];
    readAcks.set(page, acks);
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        const ack = typeof payload === 'string' ? ReadAckSchema.safeParse(JSON.parse(payload)) : undefined;
        if (ack?.success) acks.push(ack.data.data);
      }),
    );
    page.on('pageerror', (error) => pageProblems.push(`${user}: page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`${user}: console: ${message.text()} (${message.location().url})`);
    });
    await page.goto(stack!.edge.url);
    await page.getByLabel('Your name').fill(user);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Connected as ${user}` })
      .waitFor();
    return page;
  }

  const log = (page: Page) => page.getByRole('log');
  const online = (page: Page) => page.getByRole('list', { name: 'Online' });

  async function enter(page: Page, roomName: string): Promise<void> {
    await page.getByRole('button', { name: roomName }).click();
    await page.getByRole('heading', { name: roomName, level: 2 }).waitFor();
    await page.getByLabel('Message').and(page.locator(':enabled')).waitFor();
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.getByLabel('Message').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  }

  it('signs two people in, each in a browser context of its own, and lists the rooms', async () => {
    const created = await fetch(`${stack!.edge.url}/api/rooms/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room_id: 'random', name: 'Random', description: 'Off-topic' }),
    });
    expect(created.status).toBe(201);
    alice = await signIn('alice');
    bob = await signIn('bob');
    for (const page of [alice, bob]) {
      await page.getByRole('button', { name: /General Discussion/ }).waitFor();
      await page.getByRole('button', { name: /Random/ }).waitFor();
    }
  });

  it('shows each the other online once both are in the room, and a join notice', async () => {
    await enter(alice, 'General Discussion');
    await enter(bob, 'General Discussion');
    await log(alice).getByText('bob joined', { exact: true }).waitFor();
    await online(alice).getByText('bob', { exact: true }).waitFor();
    await online(bob).getByText('alice', { exact: true }).waitFor();
    await alice.getByRole('button', { name: 'General Discussion, 2 online' }).waitFor();
  });

  it('delivers a message from one page to the other, both ways', async () => {
    await say(alice, 'Hi Bob! Is the new gateway up?');
    await log(bob).getByText('Hi Bob! Is the new gateway up?', { exact: true }).waitFor();
    await log(alice).locator('.message.own').getByText('Hi Bob! Is the new gateway up?').waitFor();

    await say(bob, 'Yes — two of them, behind the edge ✓');
    await log(alice).getByText('Yes — two of them, behind the edge ✓', { exact: true }).waitFor();
    // Nothing twice: the sender sees its own message once (from the server, matched by seq).
    expect(await log(bob).getByText('Yes — two of them, behind the edge ✓').count()).toBe(1);
  });

  it('shows what people type as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.__pwned = 1"> <b>bold?</b>';
    await say(bob, hostile);
    await log(alice).getByText(hostile, { exact: true }).waitFor();
    expect(await alice.locator('#messages img, #messages b').count()).toBe(0);
    expect(await alice.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    await say(alice, 'Looks like plain text to me.');
    await log(bob).getByText('Looks like plain text to me.', { exact: true }).waitFor();
    if (SCREENSHOT !== undefined) await alice.screenshot({ path: SCREENSHOT });
  });

  it('lets anyone react, and the author edit and delete, on both pages at once', async () => {
    await say(alice, 'Deploy at 5?');
    const onBob = log(bob).locator('.message', { hasText: 'Deploy at 5?' });
    await onBob.getByRole('button', { name: 'React 👍' }).click();
    const onAlice = log(alice).locator('.message', { hasText: 'Deploy at 5?' });
    await onAlice.getByRole('button', { name: '👍 1' }).waitFor();
    expect(await onBob.getByRole('button', { name: '👍 1' }).getAttribute('aria-pressed')).toBe('true');
    expect(await onAlice.getByRole('button', { name: '👍 1' }).getAttribute('aria-pressed')).toBe('false');
    // Only the author may edit or delete: bob's page offers neither on alice's message.
    expect(await onBob.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await onBob.getByRole('button', { name: 'Delete' }).count()).toBe(0);

    alice.once('dialog', (dialog) => void dialog.accept('Deploy at 6?'));
    await onAlice.getByRole('button', { name: 'Edit' }).click();
    const edited = log(bob).locator('.message', { hasText: 'Deploy at 6?' });
    await edited.getByText('(edited)').waitFor();
    expect(await edited.getByRole('button', { name: '👍 1' }).count()).toBe(1);

    await log(alice).locator('.message', { hasText: 'Deploy at 6?' }).getByRole('button', { name: 'Delete' }).click();
    await log(bob).locator('.message.deleted').getByText('Message deleted').waitFor();
    expect(await log(bob).getByText('Deploy at 6?').count()).toBe(0);
    await log(alice).locator('.message.deleted').waitFor();
  });

  it('shows "… is typing" on the other page while someone types, until it expires or their message arrives', async () => {
    const typing = bob.locator('#typing');
    // Alice last typed (and sent) in the test before: the SDK sends one typing frame per
    // TYPING.repeat_ms, and the gateway passes one per TYPING.interval_ms, so let that window pass.
    await alice.waitForTimeout(TYPING.repeat_ms);
    // One keystroke's worth (fill is one input event), then nothing: no repeat keeps it alive.
    await alice.getByLabel('Message').fill('Running late');
    await typing.getByText('alice is typing…', { exact: true }).waitFor();
    await expect.poll(() => typing.textContent(), { timeout: TYPING.expire_ms + 5_000 }).toBe('');
    expect(await log(bob).getByText('Running late').count()).toBe(0);

    // Typing again shows it again; the message itself ends it at once, not the expiry.
    await alice.getByLabel('Message').fill('Running late, start without me');
    await typing.getByText('alice is typing…', { exact: true }).waitFor();
    await alice.getByRole('button', { name: 'Send' }).click();
    await log(bob).getByText('Running late, start without me', { exact: true }).waitFor();
    expect(await typing.textContent()).toBe('');
    // Nobody is told about their own typing.
    expect(await alice.locator('#typing').textContent()).toBe('');
  });

  it('badges a room not on screen with its unread count, and clears it once the room is opened', async () => {
    const lines = ['Lunch?', 'Noodles at 12', 'Or pizza'];
    await enter(alice, 'Random');
    for (const line of lines) {
      await say(alice, line);
      await log(alice).locator('.message.own').getByText(line, { exact: true }).waitFor();
    }
    // Alice coming back to General refreshes bob's rooms list (as any join or leave in his room does).
    await enter(alice, 'General Discussion');
    const random = bob.locator('#rooms .room', { hasText: 'Random' });
    await bob.getByRole('button', { name: /^Random, \d+ online, 3 unread$/ }).waitFor();
    expect(await random.locator('.unread').textContent()).toBe('3');

    await enter(bob, 'Random');
    for (const line of lines) await log(bob).getByText(line, { exact: true }).waitFor();
    expect(await random.locator('.unread').count()).toBe(0);
    // Marked read on the server, not only hidden: the page's mark_read is stored with nothing left
    // unread, and the rooms list the server sends once bob is back in General has no badge.
    await expect.poll(() => readAcks.get(bob)!.some((ack) => ack.room_id === 'random' && ack.unread === 0)).toBe(true);
    await enter(bob, 'General Discussion');
    await bob.getByRole('button', { name: /^Random, \d+ online$/ }).waitFor();
    expect(await random.locator('.unread').count()).toBe(0);
  });

  it('tells the others when someone leaves, and drops them from the online list', async () => {
    // bob left General once already, to read Random: this is his second time.
    const leftBefore = await log(alice).getByText('bob left', { exact: true }).count();
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await bob.getByLabel('Your name').waitFor();
    await expect.poll(() => log(alice).getByText('bob left', { exact: true }).count()).toBe(leftBefore + 1);
    await online(alice).getByText('bob', { exact: true }).waitFor({ state: 'detached' });
    expect(pageProblems).toEqual([]);
  });

  it('authenticates a socket by a token in Sec-WebSocket-Protocol, never in the URL', async () => {
    const protocols = subprotocolsFor(await signToken(JWT_SECRET, { sub: 'carol' }, { expiresIn: 600 }));
    const welcome = await alice.evaluate(
      ([url, offered]) =>
        new Promise<{ protocol: string; url: string; user_id: string }>((resolve, reject) => {
          const ws = new WebSocket(url, offered);
          ws.onmessage = (event) => {
            const frame = JSON.parse(event.data as string) as { data: { action?: string; user_id: string } };
            if (frame.data.action !== 'welcome') return;
            resolve({ protocol: ws.protocol, url: ws.url, user_id: frame.data.user_id });
            ws.close();
          };
          ws.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
        }),
      [`${stack!.edge.url.replace('http', 'ws')}/ws/chat/`, protocols] as const,
    );
    expect(welcome).toMatchObject({ protocol: 'parley.v1', user_id: 'carol' });
    expect(welcome.url).not.toContain('token');
  });

  /** Every problem with each selector's box: outside the viewport, hidden, text cut off, a control of a strange height. */
  async function layoutProblems(page: Page, selectors: readonly string[]): Promise<string[]> {
    return page.evaluate(
      ([wanted, controlHeight]) => {
        const problems: string[] = [];
        const { innerWidth: width, innerHeight: height } = window;
        if (document.documentElement.scrollWidth > width) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
        for (const selector of wanted) {
          const node = document.querySelector(selector);
          if (node === null) {
            problems.push(`${selector}: missing`);
            continue;
          }
          const box = node.getBoundingClientRect();
          const where = `${Math.round(box.left)},${Math.round(box.top)} ${Math.round(box.width)}×${Math.round(box.height)}`;
          if (box.width === 0 || box.height === 0 || getComputedStyle(node).visibility !== 'visible') problems.push(`${selector}: not visible (${where})`);
          if (box.left < 0 || box.top < 0 || box.right > width + 0.5 || box.bottom > height + 0.5)
            problems.push(`${selector}: outside the ${width}×${height} viewport (${where})`);
          // A room button holds two lines (name, count) on purpose; every other control is one line.
          const control = node instanceof HTMLInputElement || (node instanceof HTMLButtonElement && node.childElementCount === 0);
          if (control && (box.height < controlHeight.min || box.height > controlHeight.max)) problems.push(`${selector}: ${Math.round(box.height)} px tall`);
          if (getComputedStyle(node).textOverflow === 'ellipsis' && node.scrollWidth > node.clientWidth) problems.push(`${selector}: text cut off`);
        }
        return problems;
      },
      [selectors, CONTROL_HEIGHT] as const,
    );
  }

  const shoot = (page: Page, width: number, view: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `parley-demo-${width}-${view}.png`) });

  it.each([
    { width: 1280, height: 800 },
    { width: 375, height: 667 },
  ])('lays the page out at $width px: a compact sign-in card, rooms in a drawer on a phone, the connection state in view', async ({ width, height }) => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const narrow = width < 768;
    const context = await browser!.newContext({ viewport: { width, height } });
    contexts.push(context);
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(stack!.edge.url);
    await page.getByLabel('Your name').waitFor();
    await shoot(page, width, 'sign-in');
    expect(await layoutProblems(page, ['#sign-in', '#user-name', '#sign-in button', '#status'])).toEqual([]);
    // Not stretched: the card is as tall as its content.
    const card = (await page.locator('#sign-in').boundingBox())!;
    expect(card.height).toBeLessThan(300);

    const user = `layout-${width}`;
    await page.getByLabel('Your name').fill(user);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Connected as ${user}` })
      .waitFor();
    const rooms = page.getByRole('button', { name: /General Discussion/ });
    if (narrow) {
      // The room list is a drawer: out of the way until asked for, then inside the screen.
      await expect.poll(() => rooms.isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Rooms', exact: true }).click();
      await rooms.waitFor();
      expect(await layoutProblems(page, ['#rooms-drawer', '#rooms .room'])).toEqual([]);
      await shoot(page, width, 'drawer');
    } else {
      expect(await page.getByRole('button', { name: 'Rooms', exact: true }).isVisible()).toBe(false);
    }
    await rooms.click();
    await page.getByRole('heading', { name: 'General Discussion', level: 2 }).waitFor();
    await page.getByLabel('Message').and(page.locator(':enabled')).waitFor();
    if (narrow) await expect.poll(() => rooms.isVisible()).toBe(false);
    await page.getByLabel('Message').fill(`Hello from ${width} px wide`);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('log').locator('.message.own').getByText(`Hello from ${width} px wide`).waitFor();
    await page.getByRole('list', { name: 'Online' }).getByText(`${user} (you)`).waitFor();
    await shoot(page, width, 'chat');
    const always = ['#status', '#sign-out', '#room-title', '#messages', '#message-input', '#composer button', '#online-heading'];
    expect(await layoutProblems(page, narrow ? [...always, '#rooms-toggle'] : [...always, '#rooms-drawer', '#rooms .room'])).toEqual([]);
    await context.close();
  });

  // Last: the stack has no way to bring the gateways back.
  it('shows "reconnecting in N s" when the gateways go away', async () => {
    const stopping = Promise.all(stack!.instances.filter((s) => s.kind === 'gateway').map((s) => s.stop()));
    await alice
      .getByRole('status')
      .filter({ hasText: /^Reconnecting in \d+ s…$/ })
      .waitFor();
    await stopping;
  });
});
