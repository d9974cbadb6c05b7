import { createProxyServer } from 'http-proxy-3';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { DEFAULT_LIMITS } from '@parley/protocol';
import { Upstreams } from './upstreams.js';

export interface EdgeOptions {
  host?: string;
  port: number;
  gateways: string[];
  apis: string[];
  presences: string[];
  /** Static files served at `/` (the demo page), if any. */
  staticDir?: string | undefined;
  /** Request headers (a WebSocket handshake's included) must arrive within this. Default: the gateway's 10 s. */
  headersTimeoutMs?: number;
  /** An idle HTTP connection is closed after this (proxied WebSockets are exempt). Default: the gateway's 10 s. */
  idleTimeoutMs?: number;
  /** How often every upstream's /readyz is checked. Default 1 s. */
  healthIntervalMs?: number;
}

export interface Edge {
  url: string;
  /** Each upstream's last health check, by URL. */
  health(): Record<string, boolean>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

const unavailable = (detail: string) => JSON.stringify({ error_code: 'SERVICE_UNAVAILABLE', error_message: `upstream unavailable: ${detail}` });

/**
 * The local stand-in for the compose edge (deploy/nginx.conf): one origin with the same routes.
 * `/ws/` → gateways (WebSocket upgrades included), `/api/` and `/docs` → api, `/healthz` →
 * presence, `/` → the demo page; services' `/metrics` are not exposed. Adds X-Forwarded-For,
 * which the gateway trusts only from a configured proxy address. Routes around an instance that
 * is dead or draining (see {@link Upstreams}), and drops a handshake that has not sent its
 * headers within the gateway's own handshake timeout.
 */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const proxy = createProxyServer({ xfwd: true, ws: true });
  const interval = options.healthIntervalMs ?? 1_000;
  const gateway = new Upstreams(options.gateways, interval);
  const api = new Upstreams(options.apis, interval);
  const presence = new Upstreams(options.presences, interval);

  const upstreamFor = (url: string): Upstreams | undefined => {
    if (url.startsWith('/ws/')) return gateway;
    if (url.startsWith('/api/') || url === '/docs' || url.startsWith('/docs/')) return api;
    if (url === '/healthz' || url.startsWith('/healthz?')) return presence;
    return undefined;
  };

  proxy.on('error', (error, _req, res) => {
    if ('writeHead' in res && !res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(unavailable(error.message));
    } else {
      (res as Socket).destroy();
    }
  });

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? DEFAULT_LIMITS.handshake_timeout_ms,
      // Node enforces headersTimeout only this often (default 30 s): a slow loris would outlive it.
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      const upstreams = upstreamFor(req.url ?? '/');
      if (!upstreams) return void serveStatic(options.staticDir, req, res);
      void upstreams.pick().then((target) => {
        if (target) return proxy.web(req, res, { target });
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(unavailable('no instance answers'));
      });
    },
  );
  server.timeout = options.idleTimeoutMs ?? DEFAULT_LIMITS.idle_timeout_ms;
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!(req.url ?? '').startsWith('/ws/')) return socket.destroy();
    void gateway.pick().then((target) => {
      if (target) return proxy.ws(req, socket, head, { target });
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
  });
  server.listen(options.port, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    health: () => ({ ...gateway.status(), ...api.status(), ...presence.status() }),
    async close() {
      for (const upstreams of [gateway, api, presence]) upstreams.close();
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
