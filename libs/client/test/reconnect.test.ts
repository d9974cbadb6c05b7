import { describe, expect, it } from 'vitest';

import { CLOSE_CODES } from '@parley/protocol';

import { ParleyError, type ClientState } from '../src/index.js';
import { eventually, startClient, startGateway } from './support/harness.js';
import { ManualTimers } from './support/manual-timers.js';

const TOP = 0.999_999_9;

/** Waits for the client to be `reconnecting` and returns that state. */
async function reconnecting(states: ClientState[], count: number) {
  return eventually(() => {
    const found = states.filter((s) => s.status === 'reconnecting');
    expect(found.length).toBeGreaterThanOrEqual(count);
    return found[count - 1] as Extract<ClientState, { status: 'reconnecting' }>;
  });
}

describe('reconnect schedule', () => {
  it('grows with each failed attempt, within bounds, and resets after a welcome', async () => {
    const gateway = await startGateway();
    gateway.onConnect = () => ({ close: CLOSE_CODES.INTERNAL_ERROR.code });
    const timers = new ManualTimers();
    const { client, events } = startClient(gateway, { timers, random: () => TOP, backoff: {}, timeoutMs: Infinity });
    void client.connect();

    const delays: number[] = [];
    for (let i = 1; i <= 7; i++) {
      const state = await reconnecting(events.states, i);
      expect(state).toMatchObject({ code: 1011, attempt: i });
      delays.push(state.in_ms);
      expect(timers.delays()).toEqual([state.in_ms]); // only the reconnect timer is pending
      if (i === 7) gateway.onConnect = () => 'welcome';
      timers.runNext();
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
    await eventually(() => expect(client.state.status).toBe('connected'));
    expect(gateway.connections).toHaveLength(8);

    gateway.latest.close(CLOSE_CODES.SERVICE_RESTART.code);
    const after = await reconnecting(events.states, 8);
    expect(after).toMatchObject({ in_ms: 1_000, attempt: 1, code: 1012 });
  });

  it('jitters over the whole range: random 0 gives minMs every time', async () => {
    const gateway = await startGateway();
    gateway.onConnect = () => ({ close: CLOSE_CODES.TRY_AGAIN_LATER.code });
    const timers = new ManualTimers();
    const { client, events } = startClient(gateway, { timers, random: () => 0, backoff: { minMs: 250, maxMs: 4_000 } });
    void client.connect();
    for (let i = 1; i <= 4; i++) {
      expect((await reconnecting(events.states, i)).in_ms).toBe(250);
      timers.runNext();
    }
  });
});

describe('close codes', () => {
  it.each([
    ['1001 going away', 1001],
    ['1011 internal error', 1011],
    ['1012 service restart', 1012],
    ['1013 try again later', 1013],
    ['4408 heartbeat timeout', 4408],
    ['4429 rate limit abuse', 4429],
    ['4999 unknown to this SDK', 4999],
  ])('reconnects after %s', async (_name, code) => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    await client.connect();
    gateway.latest.close(code);
    expect((await reconnecting(events.states, 1)).code).toBe(code);
    await eventually(() => expect(gateway.connections).toHaveLength(2));
    await eventually(() => expect(client.state.status).toBe('connected'));
  });

  it('reconnects after the TCP connection drops without a close frame (1006)', async () => {
    const gateway = await startGateway();
    const { client, events } = startClient(gateway);
    await client.connect();
    gateway.latest.terminate();
    expect((await reconnecting(events.states, 1)).code).toBe(1006);
    await eventually(() => expect(client.state.status).toBe('connected'));
  });

  it.each([
    ['4403 forbidden', 4403],
    ['1008 policy violation', 1008],
    ['1009 message too big', 1009],
    ['1000 normal closure', 1000],
  ])('stops after %s and rejects pending sends', async (_name, code) => {
    const gateway = await startGateway();
    gateway.onText = () => 'ignore';
    const timers = new ManualTimers();
    const { client, events } = startClient(gateway, { timers });
    await client.connect();
    const pending = client.send('general', 'never acked');
    await eventually(() => expect(gateway.latest.framesOf('text_message')).toHaveLength(1));
    gateway.latest.close(code, 'go away');

    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED', closeCode: code });
    expect(client.state).toEqual({ status: 'closed', code, reason: 'go away' });
    expect(events.states.some((s) => s.status === 'reconnecting')).toBe(false);
    expect(timers.size).toBe(0);
    await expect(client.send('general', 'after close')).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('stops on failed authentication (error then 4401) and rejects connect()', async () => {
    const gateway = await startGateway();
    gateway.onConnect = () => 'auth_error';
    const { client, events } = startClient(gateway, { token: 'expired' });
    await expect(client.connect()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED', closeCode: 4401 });
    expect(events.errors).toEqual([{ error_code: 'AUTHENTICATION_ERROR', error_message: 'Invalid or expired authentication token' }]);
    expect(gateway.connections).toHaveLength(1);
    expect(client.state).toEqual({ status: 'closed', code: 4401, reason: 'authentication failed' });
  });
});

describe('server hints and sessions', () => {
  it('honours retry_after_ms from a reconnect system message, once', async () => {
    const gateway = await startGateway();
    const timers = new ManualTimers();
    const { client, events } = startClient(gateway, { timers, random: () => TOP, backoff: {} });
    await client.connect();
    gateway.latest.send('system_message', { action: 'reconnect', retry_after_ms: 3_210, reason: 'draining' });
    gateway.latest.close(CLOSE_CODES.SERVICE_RESTART.code);
    expect((await reconnecting(events.states, 1)).in_ms).toBe(3_210);
    expect(events.system.some((s) => s.action === 'reconnect')).toBe(true);
    timers.runNext();
    await eventually(() => expect(client.state.status).toBe('connected'));

    gateway.latest.close(CLOSE_CODES.SERVICE_RESTART.code);
    expect((await reconnecting(events.states, 2)).in_ms).toBe(1_000);
  });

  it('sends a static token in Sec-WebSocket-Protocol on every connection, beside the resumed session_id', async () => {
    const gateway = await startGateway();
    const { client } = startClient(gateway, { token: 'alice' });
    const welcome = await client.connect();
    expect(gateway.latest.token).toBe('alice');
    expect(gateway.latest.protocol).toBe('parley.v1');
    expect(gateway.latest.query.has('token')).toBe(false);
    expect(gateway.latest.query.has('session_id')).toBe(false);
    expect(client.userId).toBe('alice');

    gateway.latest.terminate();
    await eventually(() => expect(gateway.connections).toHaveLength(2));
    expect(gateway.latest.query.get('session_id')).toBe(welcome.session_id);
    expect(gateway.latest.token).toBe('alice');
    expect(gateway.latest.query.has('token')).toBe(false);
    await eventually(() => expect(client.state).toMatchObject({ status: 'connected', session_id: welcome.session_id }));
  });

  it('offers no subprotocol without a token', async () => {
    const gateway = await startGateway();
    const { client } = startClient(gateway);
    await client.connect();
    expect(gateway.latest.protocol).toBe('');
    expect(gateway.latest.token).toBeUndefined();
  });

  it('gives up on a connection whose welcome never comes (connect timeout) and retries', async () => {
    const gateway = await startGateway();
    gateway.onConnect = () => 'silent';
    const timers = new ManualTimers();
    const { client, events } = startClient(gateway, { timers, connectTimeoutMs: 5_000, timeoutMs: Infinity });
    void client.connect();
    await eventually(() => expect(gateway.connections).toHaveLength(1));
    expect(timers.delays()).toEqual([5_000]);
    gateway.onConnect = () => 'welcome';
    timers.runNext();
    expect((await reconnecting(events.states, 1)).code).toBe(CLOSE_CODES.HEARTBEAT_TIMEOUT.code);
    await eventually(() => expect(gateway.connections[0]?.open).toBe(false));
    timers.runNext();
    await eventually(() => expect(client.state.status).toBe('connected'));
  });

  it('close() from a state listener stops the reconnect it was told about', async () => {
    const gateway = await startGateway();
    const timers = new ManualTimers();
    const { client, events } = startClient(gateway, { timers });
    client.on('state', (state) => {
      if (state.status === 'reconnecting') client.close();
    });
    await client.connect();
    gateway.latest.terminate();
    await eventually(() => expect(client.state.status).toBe('closed'));
    expect(events.states.map((s) => s.status)).toEqual(['connecting', 'connected', 'reconnecting', 'closed']);
    expect(timers.size).toBe(0);
    expect(gateway.connections).toHaveLength(1);
  });

  it('close() stops for good: CLIENT_CLOSED, no reconnect, and connect() starts again', async () => {
    const gateway = await startGateway();
    gateway.onText = () => 'ignore';
    const { client } = startClient(gateway);
    await client.connect();
    const pending = client.send('general', 'hello');
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(client.state).toEqual({ status: 'closed', code: 1000, reason: 'client closed' });
    expect(await gateway.latest.closed).toMatchObject({ code: 1000 });
    expect(gateway.connections).toHaveLength(1);

    await client.connect();
    expect(gateway.connections).toHaveLength(2);
  });
});
