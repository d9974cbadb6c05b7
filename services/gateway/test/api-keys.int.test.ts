import { createTokenVerifier } from '@parley/auth';
import { subprotocolsFor } from '@parley/protocol';
import { isError } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './api-key.js';
import { GatewayTestbed, type TestGateway } from './stack.js';

/** A server-API key is never a user: no gateway lets it open a WebSocket, however it is offered. */

const SECRET = 'api-key-gateway-test-secret-32-bytes!!';
const bed = new GatewayTestbed('apikeys');
let open: TestGateway;
let secured: TestGateway;
let key: string;

beforeAll(async () => {
  await bed.start();
  [open, secured, key] = await Promise.all([
    bed.gateway(),
    bed.gateway({ AUTH_REQUIRED: 'true', JWT_SECRET: SECRET }, { verifier: createTokenVerifier({ secret: SECRET }) }),
    createApiKey(bed.stack, 'not-a-user', ['admin']),
  ]);
});
afterAll(bed.close);

describe('an API key on the WebSocket', () => {
  it('is refused with 4401 as a token (query or subprotocol) or a session id, with or without AUTH_REQUIRED', async () => {
    const attempts = [
      { url: `${open.ws}/ws/chat/?token=${key}` },
      { url: `${open.ws}/ws/chat/?session_id=${key}` },
      { url: `${open.ws}/ws/chat/`, protocols: subprotocolsFor(key) },
      { url: `${secured.ws}/ws/chat/?token=${key}` },
      { url: `${secured.ws}/ws/chat/`, protocols: subprotocolsFor(key) },
    ];
    for (const { url, protocols } of attempts) {
      const client = await bed.open(url, protocols ? { protocols } : {});
      const error = await client.next(isError('AUTHENTICATION_ERROR'));
      expect(error.data['error_message'], url).toContain('An API key is not a user');
      expect((await client.closed).code, url).toBe(4401);
      expect(client.frames.some((f) => f.type === 'welcome')).toBe(false);
    }
  });
});
