import { subjects } from '@parley/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSocket as Client, isType, serviceUrl, startServiceProcess, type ServiceProcess } from '@parley/testing';
import { startApiStack, type ApiStack } from './stack.js';

let stack: ApiStack;
let gateway: ServiceProcess | undefined;

beforeAll(async () => {
  stack = await startApiStack('process');
});

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  await stack?.close();
});

describe('the gateway process', () => {
  it('on SIGTERM refuses new upgrades (503), tells every client to reconnect, closes them with 1012, flushes statistics and exits 0', async () => {
    gateway = await startServiceProcess('gateway', {
      env: {
        NATS_URL: serviceUrl('nats'),
        BUS_SUBJECT_PREFIX: stack.prefix,
        RECONNECT_JITTER_MS: '3000',
        WS_CONNECTIONS_PER_IP: '100',
        WS_CLOSE_TIMEOUT_MS: '2000',
        SHUTDOWN_GRACE_MS: '8000',
      },
    });
    const ws = gateway.url.replace('http', 'ws');
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => Client.connect(`${ws}/ws/chat/${i % 2 === 0 ? 'general/' : ''}`)));
    const sessions = new Set(clients.map((c) => c.sessionId));
    clients[0]!.sendText('before the restart', 'general');
    await clients[0]!.next(isType('message_ack'));

    const reported = new Set<string>();
    const tap = stack.peer.subscribe(subjects.api.statsReport, (report) => report.sessions.forEach((s) => reported.add(s.session_id)), { queue: null });
    await tap.ready;

    // A client that stopped reading holds the drain open for WS_CLOSE_TIMEOUT_MS: long enough to see a 503.
    const stalled = clients[1]!;
    stalled.ws.pause();
    expect(gateway.child.kill('SIGTERM')).toBe(true);
    let refused: string | undefined;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      refused = await Client.open(`${ws}/ws/chat/`).then(
        (c) => (c.close(), undefined),
        (e: Error) => e.message,
      );
      if (refused === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(refused).toMatch(/503/);
    stalled.ws.resume();

    const closes = await Promise.all(clients.map((c) => c.closed));
    expect(closes.map((c) => c.code)).toEqual(clients.map(() => 1012));
    const hints = clients.map((c) => c.frames.find(isType('system_message', 'reconnect')));
    for (const hint of hints) {
      expect(hint?.data['retry_after_ms']).toBeGreaterThanOrEqual(0);
      expect(hint?.data['retry_after_ms']).toBeLessThanOrEqual(3_000);
    }
    // The hint is the last frame before the close.
    expect(clients.every((c) => c.frames.at(-1)?.data.action === 'reconnect')).toBe(true);
    expect(new Set(hints.map((h) => h?.data['retry_after_ms'])).size).toBeGreaterThan(1);

    const child = gateway.child;
    const exitCode = child.exitCode ?? (await new Promise<number | null>((resolve) => child.once('exit', resolve)));
    expect(exitCode, gateway.output()).toBe(0);
    for (let i = 0; i < 100 && [...sessions].some((s) => !reported.has(s)); i++) await new Promise((r) => setTimeout(r, 20));
    expect([...sessions].filter((s) => !reported.has(s))).toEqual([]);
    tap.unsubscribe();
  });

  it('refuses to start with bad configuration, naming every bad key', async () => {
    const failed = await startServiceProcess('gateway', {
      env: { PORT: '0', WS_MAX_PAYLOAD_BYTES: 'big', AUTH_REQUIRED: 'maybe', NATS_URL: serviceUrl('nats') },
      readyTimeoutMs: 15_000,
    }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(failed).toMatch(/exited with 1/);
    expect(failed).toMatch(/WS_MAX_PAYLOAD_BYTES/);
    expect(failed).toMatch(/AUTH_REQUIRED/);
  });
});
