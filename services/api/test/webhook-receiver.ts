import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingMessage['headers'];
  /** The raw body, exactly as sent (what the signature covers). */
  body: string;
}

/** How the receiver answers: 204, 503, or never (the request hangs until the receiver closes). */
export type ReceiverMode = 'ok' | 'down' | 'hang';

/** A webhook receiver on a random port that records what reaches it and answers as `mode` says. */
export async function startReceiver(mode: ReceiverMode = 'ok') {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  let attempts = 0;
  const state = { mode };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      if (state.mode === 'hang') return void hanging.add(res);
      if (state.mode === 'down') return void res.writeHead(503).end();
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** Requests answered or held, whatever the answer. */
    attempts: () => attempts,
    hanging: () => hanging.size,
    setMode(mode: ReceiverMode) {
      state.mode = mode;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The README's verification: `t=<ms>,v1=<hex>` over `<t>.<raw body>`, compared in constant time. */
export function verifySignature(secret: string, header: string | undefined, body: string): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
  if (!parts['t'] || !parts['v1']) return false;
  const expected = createHmac('sha256', secret).update(`${parts['t']}.${body}`).digest();
  const given = Buffer.from(parts['v1'], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
