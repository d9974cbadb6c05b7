import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type Edge } from '../dev/edge.js';

/** An upstream that answers every request (and WebSocket) with its own name and what it saw. */
async function upstream(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, url: req.url, forwardedFor: req.headers['x-forwarded-for'] ?? null }));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => socket.send(JSON.stringify({ name, url: req.url })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let edge: Edge;
const servers: Server[] = [];

beforeAll(async () => {
  const [g1, g2, api, presence] = await Promise.all(['gateway-1', 'gateway-2', 'api', 'presence'].map(upstream));
  servers.push(g1!.server, g2!.server, api!.server, presence!.server);
  const staticDir = await mkdtemp(join(tmpdir(), 'edge-'));
  await writeFile(join(staticDir, 'index.html'), '<h1>demo</h1>');
  edge = await startEdge({ port: 0, gateways: [g1!.url, g2!.url], apis: [api!.url], presences: [presence!.url], staticDir });
});
afterAll(async () => {
  await edge?.close();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

const get = async (path: string) => {
  const res = await fetch(`${edge.url}${path}`);
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
};

const wsHello = (path: string) =>
  new Promise<{ name: string; url: string }>((resolve, reject) => {
    const socket = new WebSocket(`${edge.url.replace('http', 'ws')}${path}`);
    socket.once('message', (data) => {
      resolve(JSON.parse(data.toString()));
      socket.close();
    });
    socket.once('error', reject);
  });

describe('local edge', () => {
  it('routes /api/ and /docs to the api, /healthz to presence, keeping path and query', async () => {
    expect((await get('/api/rooms/?limit=5')).body).toMatchObject({ name: 'api', url: '/api/rooms/?limit=5', forwardedFor: '127.0.0.1' });
    expect((await get('/docs/json')).body).toMatchObject({ name: 'api', url: '/docs/json' });
    expect((await get('/healthz')).body).toMatchObject({ name: 'presence', url: '/healthz' });
  });

  it('spreads WebSocket upgrades over the gateways, query string intact', async () => {
    const first = await wsHello('/ws/chat/?token=abc');
    const second = await wsHello('/ws/chat/general/');
    expect(new Set([first.name, second.name])).toEqual(new Set(['gateway-1', 'gateway-2']));
    expect(first.url).toBe('/ws/chat/?token=abc');
  });

  it('keeps services’ /metrics off the public origin and serves the demo page at /', async () => {
    expect((await get('/metrics')).status).toBe(404);
    expect(await get('/')).toEqual({ status: 200, body: '<h1>demo</h1>' });
    expect((await get('/../package.json')).status).toBe(404);
  });
});
