import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, type TokenVerifier } from '../src/index.js';
import { claims } from './tokens.js';

interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

async function keyPair(kid?: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', ...(kid === undefined ? {} : { kid }) };
  return { privateKey, publicKey, jwk };
}

const es256 = (payload: JWTPayload, key: CryptoKey, kid?: string) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...(kid === undefined ? {} : { kid }) }).sign(key);

let server: Server;
let base: string;
let main: KeyPair;
let stranger: KeyPair;
let rotationA: KeyPair;
let rotationB: KeyPair;
const hanging = new Set<ServerResponse>();

function route(req: IncomingMessage, res: ServerResponse): void {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  switch (req.url) {
    case '/jwks':
      return send(200, { keys: [main.jwk] });
    case '/jwks-rotation':
      return send(200, { keys: [rotationA.jwk, rotationB.jwk] });
    case '/broken':
      return send(500, { error: 'boom' });
    case '/not-json':
      return send(200, '<html>nope</html>');
    case '/not-a-key-set':
      return send(200, { keys: 'none' });
    case '/hang':
      hanging.add(res);
      return;
    default:
      return send(404, {});
  }
}

beforeAll(async () => {
  [main, stranger, rotationA, rotationB] = await Promise.all([keyPair('main-1'), keyPair('main-1'), keyPair(), keyPair()]);
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

const jwks = (path: string, extra: Parameters<typeof createTokenVerifier>[0] = {}): TokenVerifier =>
  createTokenVerifier({ jwksUrl: `${base}${path}`, ...extra });

describe('JWKS verifier', () => {
  it('accepts a good ES256 token', async () => {
    const result = await jwks('/jwks').verify(await es256(claims(), main.privateKey, 'main-1'));
    expect(result).toMatchObject({ ok: true, claims: { sub: 'user-1' } });
  });

  it('accepts a token without kid when one key matches', async () => {
    expect((await jwks('/jwks').verify(await es256(claims(), main.privateKey))).ok).toBe(true);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const verifier = jwks('/jwks');
    for (const secret of [await exportSPKI(main.publicKey), JSON.stringify(main.jwk)]) {
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'main-1' }).sign(new TextEncoder().encode(secret));
      expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'algorithm_not_allowed' });
    }
  });

  it('refuses an algorithm outside the pinned list', async () => {
    const eddsaOnly = jwks('/jwks', { algorithms: ['EdDSA'] });
    expect(await eddsaOnly.verify(await es256(claims(), main.privateKey, 'main-1'))).toMatchObject({ ok: false, reason: 'algorithm_not_allowed' });
  });

  it('refuses a token whose kid is unknown', async () => {
    const token = await es256(claims(), stranger.privateKey, 'who-knows');
    expect(await jwks('/jwks').verify(token)).toMatchObject({ ok: false, reason: 'key_not_found' });
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const token = await es256(claims(), stranger.privateKey, 'main-1');
    expect(await jwks('/jwks').verify(token)).toMatchObject({ ok: false, reason: 'invalid_signature' });
  });

  it('checks claims on JWKS tokens too', async () => {
    const verifier = jwks('/jwks', { audience: 'chat-gateway' });
    expect(await verifier.verify(await es256(claims({ aud: 'chat-api' }), main.privateKey, 'main-1'))).toMatchObject({ ok: false, reason: 'invalid_claims' });
    expect(await verifier.verify(await es256({ sub: 'u', aud: 'chat-gateway' }, main.privateKey, 'main-1'))).toMatchObject({
      ok: false,
      reason: 'invalid_claims',
    });
  });

  it('tries every matching key when several keys have no kid (rotation)', async () => {
    const verifier = jwks('/jwks-rotation');
    expect((await verifier.verify(await es256(claims(), rotationB.privateKey))).ok).toBe(true);
    expect(await verifier.verify(await es256(claims(), stranger.privateKey))).toMatchObject({ ok: false, reason: 'invalid_signature' });
  });

  it('reports keys_unavailable, without throwing, when the JWKS server is down', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const { port } = down.address() as AddressInfo;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const verifier = createTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks` });
    expect(await verifier.verify(await es256(claims(), main.privateKey, 'main-1'))).toMatchObject({ ok: false, reason: 'keys_unavailable' });
  });

  it.each(['/broken', '/not-json', '/not-a-key-set', '/missing'])('reports keys_unavailable when %s is served', async (path) => {
    const result = await jwks(path).verify(await es256(claims(), main.privateKey, 'main-1'));
    expect(result).toMatchObject({ ok: false, reason: 'keys_unavailable' });
  });

  it('reports keys_unavailable when the JWKS server does not answer in time', async () => {
    const started = Date.now();
    const result = await jwks('/hang', { jwksTimeoutMs: 200 }).verify(await es256(claims(), main.privateKey, 'main-1'));
    expect(result).toMatchObject({ ok: false, reason: 'keys_unavailable' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses garbage before fetching keys', async () => {
    for (const token of ['', 'a.b', 'a.b.c', 'not-a-jwt']) {
      expect(await jwks('/jwks').verify(token)).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });
});
