import { describe, expect, it } from 'vitest';

import { CLOSE_CODES } from '@parley/protocol';

import { eventually, startClient, startGateway } from './support/harness.js';
import { ManualTimers } from './support/manual-timers.js';

/** A `getToken` that answers `alice-1`, `alice-2`... and counts its calls. */
function tokens(prefix = 'alice') {
  const issued: string[] = [];
  return {
    issued,
    getToken: () => {
      const token = `${prefix}-${issued.length + 1}`;
      issued.push(token);
      return Promise.resolve(token);
    },
  };
}

describe('getToken', () => {
  it('is called before every connection, and each token travels in Sec-WebSocket-Protocol with the session', async () => {
    const gateway = await startGateway();
    const source = tokens();
    const { client } = startClient(gateway, { getToken: source.getToken, token: 'static-ignored' });
    const welcome = await client.connect();
    expect(gateway.latest.token).toBe('alice-1');
    expect(gateway.latest.protocol).toBe('parley.v1');

    gateway.latest.close(CLOSE_CODES.SERVICE_RESTART.code);
    await eventually(() => expect(gateway.connections).toHaveLength(2));
    expect(gateway.latest.token).toBe('alice-2');
    expect(gateway.latest.query.get('session_id')).toBe(welcome.session_id);
    expect(gateway.latest.query.has('token')).toBe(false);
    expect(source.issued).toEqual(['alice-1', 'alice-2']);
  });

  it('answers token_expiring with a refresh frame carrying a fresh token, keeping the socket', async () => {
    const gateway = await startGateway();
    const source = tokens();
    const { client, events } = startClient(gateway, { getToken: source.getToken });
    await client.connect();
    const conn = gateway.latest;
    conn.send('system_message', { action: 'token_expiring', expires_in_ms: 30_000 });
    await eventually(() => expect(conn.framesOf('refresh').map((f) => f.data.token)).toEqual(['alice-2']));
    await eventually(() => expect(events.system.some((s) => s.action === 'token_refreshed')).toBe(true));
    expect(gateway.connections).toHaveLength(1);
    expect(client.state.status).toBe('connected');
    // The refreshed token is the one the next connection starts from too... after asking again.
    conn.close(CLOSE_CODES.SERVICE_RESTART.code);
    await eventually(() => expect(gateway.connections).toHaveLength(2));
    expect(gateway.latest.token).toBe('alice-3');
  });

  it('does not blame a pending send for a refused refresh', async () => {
    const gateway = await startGateway();
    gateway.onText = () => 'ignore';
    gateway.onRefresh = () => 'refuse';
    const source = tokens();
    const { client, events } = startClient(gateway, { getToken: source.getToken });
    await client.connect();
    let settled = false;
    void client
      .send('general', 'waiting')
      .finally(() => (settled = true))
      .catch(() => undefined);
    await eventually(() => expect(gateway.latest.framesOf('text_message')).toHaveLength(1));
    gateway.latest.send('system_message', { action: 'token_expiring', expires_in_ms: 30_000 });
    await eventually(() => expect(events.errors.map((e) => e.error_code)).toEqual(['AUTHENTICATION_ERROR']));
    expect(events.debug).toContainEqual({ kind: 'refresh_failed', issue: 'Invalid token' });
    expect(settled).toBe(false);
  });

  it('retries a 4401 once with a fresh token, and succeeds', async () => {
    const gateway = await startGateway();
    const source = tokens();
    const { client, events } = startClient(gateway, { getToken: source.getToken });
    await client.connect();
    // The first reconnect is refused (its token expired during the deploy), the next one is not.
    gateway.onConnect = (conn) => (conn.token === 'alice-2' ? 'auth_error' : 'welcome');
    gateway.latest.close(CLOSE_CODES.SERVICE_RESTART.code);
    await eventually(() => expect(gateway.connections).toHaveLength(3));
    await eventually(() => expect(client.state.status).toBe('connected'));
    expect(gateway.latest.token).toBe('alice-3');
    expect(events.states.some((s) => s.status === 'closed')).toBe(false);
  });

  it('treats a second 4401 in a row as final', async () => {
    const gateway = await startGateway();
    const source = tokens();
    const { client } = startClient(gateway, { getToken: source.getToken });
    await client.connect();
    gateway.onConnect = () => 'auth_error';
    gateway.latest.close(CLOSE_CODES.SERVICE_RESTART.code);
    await eventually(() => expect(client.state).toMatchObject({ status: 'closed', code: 4401 }));
    expect(gateway.connections).toHaveLength(3);
    expect(source.issued).toHaveLength(3);
  });

  it('retries again after a welcome in between: the allowance is per outage', async () => {
    const gateway = await startGateway();
    const source = tokens();
    const { client } = startClient(gateway, { getToken: source.getToken });
    await client.connect();
    for (let round = 1; round <= 2; round++) {
      // A socket closed at its token's exp, then a reconnect that works.
      gateway.latest.close(CLOSE_CODES.AUTHENTICATION_FAILED.code, 'token expired');
      await eventually(() => expect(gateway.connections).toHaveLength(1 + round));
      await eventually(() => expect(client.state.status).toBe('connected'));
    }
  });

  it('a static token keeps the old behaviour: 4401 is final at once', async () => {
    const gateway = await startGateway();
    const { client } = startClient(gateway, { token: 'alice' });
    await client.connect();
    gateway.onConnect = () => 'auth_error';
    gateway.latest.close(CLOSE_CODES.AUTHENTICATION_FAILED.code, 'token expired');
    await eventually(() => expect(client.state).toMatchObject({ status: 'closed', code: 4401 }));
    expect(gateway.connections).toHaveLength(1);
  });

  it('a rejected getToken is a failed attempt, retried with backoff', async () => {
    const gateway = await startGateway();
    const timers = new ManualTimers();
    let fail = true;
    const getToken = () => (fail ? Promise.reject(new Error('auth server down')) : Promise.resolve('alice'));
    const { client, events } = startClient(gateway, { getToken, timers });
    void client.connect();
    await eventually(() => expect(events.states.at(-1)).toMatchObject({ status: 'reconnecting', code: 1006, reason: 'getToken failed: auth server down' }));
    expect(gateway.connections).toHaveLength(0);
    fail = false;
    timers.runNext();
    await eventually(() => expect(client.state.status).toBe('connected'));
    expect(gateway.latest.token).toBe('alice');
  });

  it('a getToken that never settles is cut off by the connect timeout', async () => {
    const gateway = await startGateway();
    const timers = new ManualTimers();
    let hang = true;
    const getToken = () => (hang ? new Promise<string>(() => undefined) : Promise.resolve('alice'));
    const { client, events } = startClient(gateway, { getToken, timers, connectTimeoutMs: 5_000, timeoutMs: Infinity });
    void client.connect();
    expect(timers.delays()).toEqual([5_000]);
    hang = false;
    timers.runNext();
    expect(events.states.at(-1)).toMatchObject({ status: 'reconnecting', code: CLOSE_CODES.HEARTBEAT_TIMEOUT.code });
    timers.runNext();
    await eventually(() => expect(client.state.status).toBe('connected'));
  });

  it('stops rejoining a room it was removed from', async () => {
    const gateway = await startGateway();
    const { client } = startClient(gateway, { token: 'alice' });
    await client.connect();
    await client.join('secret');
    await client.join('general');
    gateway.latest.send('system_message', { action: 'room_left', room_id: 'secret', reason: 'removed' });
    await eventually(() => expect(client.rooms()).toEqual(['general']));
    gateway.latest.close(CLOSE_CODES.SERVICE_RESTART.code);
    await eventually(() => expect(gateway.connections).toHaveLength(2));
    await eventually(() => expect(gateway.latest.framesOf('join_room').map((f) => f.data.room_id)).toEqual(['general']));
  });
});
