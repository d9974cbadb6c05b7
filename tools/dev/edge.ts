import { createProxyServer } from 'http-proxy-3';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize } from 'node:path';

export interface EdgeOptions {
  host?: string;
  port: number;
  gateways: string[];
  apis: string[];
  presences: string[];
  /** Static files served at `/` (the demo page), if any. */
  staticDir?: string | undefined;
}

export interface Edge {
  url: string;
  close(): Promise<void>;
}

/** Round-robin over a list of upstream base URLs. */
function rotation(targets: string[]): () => string {
  let next = 0;
  return () => targets[next++ % targets.length]!;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/**
 * The local stand-in for the compose edge (deploy/nginx.conf): one origin with the same routes.
 * `/ws/` → gateways (WebSocket upgrades included), `/api/` and `/docs` → api, `/healthz` →
 * presence, `/` → the demo page; services' `/metrics` are not exposed. Adds X-Forwarded-For,
 * which the gateway trusts only from a configured proxy address.
 */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const proxy = createProxyServer({ xfwd: true, ws: true });
  const gateway = rotation(options.gateways);
  const api = rotation(options.apis);
  const presence = rotation(options.presences);

  const upstreamFor = (url: string): string | undefined => {
    if (url.startsWith('/ws/')) return gateway();
    if (url.startsWith('/api/') || url === '/docs' || url.startsWith('/docs/')) return api();
    if (url === '/healthz' || url.startsWith('/healthz?')) return presence();
    return undefined;
  };

  proxy.on('error', (error, _req, res) => {
    if ('writeHead' in res && !res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 'SERVICE_UNAVAILABLE', error_message: `upstream unavailable: ${error.message}` }));
    } else {
      (res as Socket).destroy();
    }
  });

  const server = createServer((req, res) => {
    const target = upstreamFor(req.url ?? '/');
    if (target) return proxy.web(req, res, { target });
    void serveStatic(options.staticDir, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = (req.url ?? '').startsWith('/ws/') ? gateway() : undefined;
    if (!target) return socket.destroy();
    proxy.ws(req, socket, head, { target });
  });
  server.listen(options.port, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      proxy.close();
    },
  };
}

async function serveStatic(dir: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  const file = normalize(path === '/' ? '/index.html' : path);
  if (!dir || file.includes('..') || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound(res);
  try {
    const body = await readFile(join(dir, file));
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    notFound(res);
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error_code: 'NOT_FOUND', error_message: 'Not found' }));
}
