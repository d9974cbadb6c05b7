import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; the browser tests drive it with playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps dialling out, and this machine's closed network refuses it. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const hasChromium = existsSync(CHROMIUM);
const SKIP_REASON = `${CHROMIUM} not found (apt-get install -y chromium); with CI set this fails instead`;

/**
 * Whether a browser suite runs here, and its title: without Chromium it is skipped with the reason
 * (printed once, and in the title), except with CI set, where {@link launchChromium} fails instead.
 */
export function browserSuite(file: string, title: string): { skip: boolean; title: string } {
  const skip = !hasChromium && !process.env['CI'];
  if (skip) console.warn(`[${file}] skipped: ${SKIP_REASON}`);
  return { skip, title: skip ? `${title} (skipped: ${SKIP_REASON})` : title };
}

export async function launchChromium(): Promise<Browser> {
  if (!hasChromium) throw new Error(`CI is set but ${CHROMIUM} is missing: install it with apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
