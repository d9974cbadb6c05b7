import { isType, TestSocket } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEmbeddedProcess, type EmbeddedProcess } from './support/embedded.js';
import { TEST_TIMERS } from './support/stack.js';

/**
 * `npm start` on an EDGE_PORT other than 8080 (a free one, picked per run): it prints the origins
 * it allows, and those follow the port, so the demo page it serves can still chat and call REST.
 */
let p: EmbeddedProcess;
let port: string;

beforeAll(async () => {
  p = await startEmbeddedProcess({ ...TEST_TIMERS, PARLEY_EMBEDDED_DATA: 'memory' });
  port = new URL(p.url).port;
});
afterAll(async () => {
  await p?.stop();
});

/** The HTTP status a WebSocket handshake from `origin` gets (101 when it is accepted). */
function handshakeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { origin } });
    ws.once('upgrade', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe(`npm start with EDGE_PORT set`, () => {
  it('prints the origins it allows: its own, on that port', () => {
    expect(port).not.toBe('8080');
    const line = p.lines.find((l) => l.includes('origins (WebSocket and CORS):'));
    expect(line?.trim()).toBe(`origins (WebSocket and CORS): http://127.0.0.1:${port}, http://localhost:${port}`);
  });

  it('lets a page of its own origin open a WebSocket and call REST across CORS, and no other origin', async () => {
    const ws = `${p.url.replace('http', 'ws')}/ws/chat/`;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const socket = await TestSocket.connect(ws, { headers: { origin } });
      expect(socket.welcome['session_id']).toEqual(expect.any(String));
      socket.close();
      const preflight = await fetch(`${p.url}/api/rooms/`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin'), origin).toBe(origin);
    }
    expect(await handshakeStatus(ws, 'http://localhost:8080')).toBe(403);
    const foreign = await fetch(`${p.url}/api/rooms/`, { headers: { origin: 'http://localhost:8080' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the demo page and its bundle on that port', async () => {
    const page = await fetch(`${p.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('src="app.js"');
    expect((await fetch(`${p.url}/app.js`)).status).toBe(200);
    const socket = await TestSocket.connect(`${p.url.replace('http', 'ws')}/ws/chat/general/`, { headers: { origin: `http://localhost:${port}` } });
    await socket.next(isType('system_message', 'room_joined'));
    socket.close();
  });
});
