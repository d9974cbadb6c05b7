import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@parley/testing';
import { startEdge, type Edge } from '../dev/edge.js';

/** An upstream that answers every request (and WebSocket) with its own name and what it saw. */
async function upstream(name: string, readyz = 200): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage, res) => {
    res.writeHead(req.url === '/readyz' ? readyz : 200, { 'content-type': 'application/json' });
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
  const [g1, g2, api, presence] = await Promise.all(['gateway-1', 'gateway-2', 'api', 'presence'].map((name) => upstream(name)));
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

const wsHello = (path: string, via: Edge = edge) =>
  new Promise<{ name: string; url: string }>((resolve, reject) => {
    const socket = new WebSocket(`${via.url.replace('http', 'ws')}${path}`);
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

describe('local edge: failures and timeouts', () => {
  const edges: Edge[] = [];
  afterAll(async () => {
    await Promise.all(edges.map((e) => e.close()));
  });
  const start = async (options: Partial<Parameters<typeof startEdge>[0]>) => {
    const e = await startEdge({ port: 0, gateways: [], apis: [], presences: [], ...options });
    edges.push(e);
    return e;
  };
  const spare = async (name: string, readyz?: number) => {
    const u = await upstream(name, readyz);
    servers.push(u.server);
    return u.url;
  };

  it('routes every new connection and request around an instance that is not listening', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const e = await start({ gateways: [dead, await spare('gateway-alive')], apis: [dead, await spare('api-alive')], healthIntervalMs: 60_000 });
    for (let i = 0; i < 6; i++) {
      expect((await wsHello('/ws/chat/', e)).name).toBe('gateway-alive');
      const res = await fetch(`${e.url}/api/rooms/`);
      expect(await res.json()).toMatchObject({ name: 'api-alive' });
    }
    expect(e.health()[dead]).toBe(false);
  });

  it('leaves out an instance whose /readyz fails (a draining gateway) once it has been checked', async () => {
    const draining = await spare('draining', 503);
    const e = await start({ gateways: [draining, await spare('ready')], healthIntervalMs: 50 });
    await expect.poll(() => e.health()[draining]).toBe(false);
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add((await wsHello('/ws/chat/', e)).name);
    expect([...names]).toEqual(['ready']);
  });

  it('answers 503 when no instance answers at all', async () => {
    const e = await start({ apis: [`http://127.0.0.1:${await freePort()}`] });
    expect((await fetch(`${e.url}/api/rooms/`)).status).toBe(503);
  });

  it('drops a handshake whose headers never finish (slow loris) after the headers timeout', async () => {
    const e = await start({ gateways: [await spare('g')], headersTimeoutMs: 500 });
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(e.url).port) });
    socket.write('GET /ws/chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('keeps a proxied WebSocket open past the idle timeout (the gateway pings it instead)', async () => {
    const e = await start({ gateways: [await spare('g')], idleTimeoutMs: 200 });
    const socket = new WebSocket(`${e.url.replace('http', 'ws')}/ws/chat/`);
    await once(socket, 'message');
    await new Promise((r) => setTimeout(r, 600));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });
});
