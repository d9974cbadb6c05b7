import { afterEach, vi } from 'vitest';
import { WebSocket } from 'ws';

import type { ChatMessage, ErrorData, SystemMessageData } from '@parley/protocol';

import { createClient, type ClientOptions, type ClientState, type DebugEvent, type ParleyClient, type PresenceChange } from '../../src/index.js';
import { FakeGateway } from './fake-gateway.js';

/** Everything a client reported, in order. */
export interface Recorded {
  readonly messages: ChatMessage[];
  readonly states: ClientState[];
  readonly system: SystemMessageData[];
  readonly presence: PresenceChange[];
  readonly errors: ErrorData[];
  readonly debug: DebugEvent[];
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fake gateway on 127.0.0.1 port 0, closed after the test. */
export async function startGateway(): Promise<FakeGateway> {
  const gateway = await FakeGateway.start();
  cleanups.push(() => gateway.close());
  return gateway;
}

/**
 * A client of `gateway` using `ws`, closed after the test, with every event recorded.
 * Real timers and a 5–20 ms backoff unless `options` say otherwise.
 */
export function startClient(gateway: FakeGateway, options: Partial<ClientOptions> = {}): { client: ParleyClient; events: Recorded } {
  const client = createClient({ url: gateway.url, WebSocket, backoff: { minMs: 5, maxMs: 20 }, ...options });
  cleanups.push(() => client.close());
  const events: Recorded = { messages: [], states: [], system: [], presence: [], errors: [], debug: [] };
  client.on('message', (m) => events.messages.push(m));
  client.on('state', (s) => events.states.push(s));
  client.on('system', (s) => events.system.push(s));
  client.on('presence', (p) => events.presence.push(p));
  client.on('error', (e) => events.errors.push(e));
  client.on('debug', (d) => events.debug.push(d));
  return { client, events };
}

/** Retries `fn` until it returns without throwing (2 s at most), and returns its value. */
export function eventually<T>(fn: () => T): Promise<T> {
  return vi.waitFor(fn, { timeout: 2_000, interval: 2 });
}

/** The contents of delivered messages, per room, for order and exactly-once assertions. */
export function contents(events: Recorded, roomId: string): string[] {
  return events.messages.filter((m) => m.room_id === roomId).map((m) => m.content);
}
