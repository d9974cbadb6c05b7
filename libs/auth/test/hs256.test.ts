import { FlattenedSign, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken, type VerifyResult } from '../src/index.js';
import { claims, hs256, KEY, now, SECRET, segments, signRaw, unsecured } from './tokens.js';

const verifier = createTokenVerifier({ secret: SECRET });
const strict = createTokenVerifier({ secret: SECRET, issuer: 'https://id.parley.test', audience: 'chat-gateway' });

function expectFailure(result: VerifyResult, reason: string): void {
  expect(result).toMatchObject({ ok: false, reason });
  if (!result.ok) expect(result.message).toEqual(expect.any(String));
}

describe('HS256 verifier: accepted tokens', () => {
  it('accepts a valid token and returns its claims', async () => {
    const token = await hs256(claims({ name: 'Ada' }));
    const result = await verifier.verify(token);
    expect(result).toMatchObject({ ok: true, claims: { sub: 'user-1', name: 'Ada', exp: expect.any(Number) } });
  });

  it('accepts a token expired 20 s ago (within the 30 s tolerance)', async () => {
    expect((await verifier.verify(await hs256(claims({ iat: now() - 600, exp: now() - 20 })))).ok).toBe(true);
  });

  it('accepts iss and aud that match, aud as an array too', async () => {
    const token = await hs256(claims({ iss: 'https://id.parley.test', aud: ['chat-api', 'chat-gateway'] }));
    expect((await strict.verify(token)).ok).toBe(true);
  });

  it('accepts what signToken produces', async () => {
    const token = await signToken(SECRET, { sub: 'dev-user', name: 'Dev' }, { expiresIn: 60 });
    const result = await verifier.verify(token);
    expect(result).toMatchObject({ ok: true, claims: { sub: 'dev-user', name: 'Dev' } });
    if (result.ok) expect(result.claims.exp - (result.claims.iat ?? 0)).toBe(60);
    expect((await verifier.verify(await signToken(SECRET, { sub: 'u' }, { expiresIn: '15m' }))).ok).toBe(true);
  });
});

describe('HS256 verifier: refused tokens', () => {
  it('refuses alg none (hand-built unsecured JWT)', async () => {
    expectFailure(await verifier.verify(unsecured(claims())), 'algorithm_not_allowed');
    expectFailure(await verifier.verify(unsecured(claims(), 'None')), 'algorithm_not_allowed');
  });

  it('refuses another HMAC algorithm even with the right secret', async () => {
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(SECRET.repeat(2)));
    expectFailure(await verifier.verify(token), 'algorithm_not_allowed');
  });

  it('refuses a token signed with another secret', async () => {
    const other = new TextEncoder().encode('another-secret-that-is-32-bytes-long!!');
    expectFailure(await verifier.verify(await hs256(claims(), other)), 'invalid_signature');
  });

  it('refuses a token with a tampered payload', async () => {
    const [header, , signature] = (await hs256(claims())).split('.');
    const forged = `${header}.${segments({}, claims({ sub: 'admin' })).split('.')[1]}.${signature}`;
    expectFailure(await verifier.verify(forged), 'invalid_signature');
  });

  it('refuses a token expired beyond the tolerance', async () => {
    expectFailure(await verifier.verify(await hs256(claims({ iat: now() - 600, exp: now() - 31 }))), 'expired');
    expectFailure(await verifier.verify(await hs256(claims({ iat: now() - 7200, exp: now() - 3600 }))), 'expired');
  });

  it('refuses a token without exp', async () => {
    expectFailure(await verifier.verify(await hs256({ sub: 'user-1', iat: now() })), 'invalid_claims');
  });

  it('refuses a token without sub, or with a sub that is not a non-empty string', async () => {
    expectFailure(await verifier.verify(await hs256({ iat: now(), exp: now() + 60 })), 'invalid_claims');
    expectFailure(await verifier.verify(await hs256(claims({ sub: '' }))), 'invalid_claims');
    expectFailure(await verifier.verify(await hs256({ ...claims(), sub: 42 } as never)), 'invalid_claims');
  });

  it('refuses an exp that is not a number', async () => {
    expectFailure(await verifier.verify(await hs256({ ...claims(), exp: '9999999999' } as never)), 'invalid_claims');
  });

  it('refuses a wrong or missing iss', async () => {
    expectFailure(await strict.verify(await hs256(claims({ iss: 'https://evil.test', aud: 'chat-gateway' }))), 'invalid_claims');
    expectFailure(await strict.verify(await hs256(claims({ aud: 'chat-gateway' }))), 'invalid_claims');
  });

  it('refuses a wrong or missing aud (a token for the REST API replayed at the gateway)', async () => {
    expectFailure(await strict.verify(await hs256(claims({ iss: 'https://id.parley.test', aud: 'chat-api' }))), 'invalid_claims');
    expectFailure(await strict.verify(await hs256(claims({ iss: 'https://id.parley.test' }))), 'invalid_claims');
  });

  it('refuses nbf in the future beyond the tolerance, accepts it within', async () => {
    expectFailure(await verifier.verify(await hs256(claims({ nbf: now() + 120 }))), 'invalid_claims');
    expect((await verifier.verify(await hs256(claims({ nbf: now() + 10 })))).ok).toBe(true);
  });

  it('refuses iat in the future beyond the tolerance', async () => {
    expectFailure(await verifier.verify(await hs256(claims({ iat: now() + 3600, exp: now() + 7200 }))), 'invalid_claims');
  });

  it('enforces maxTokenAgeSec when configured', async () => {
    const young = createTokenVerifier({ secret: SECRET, maxTokenAgeSec: 900 });
    expectFailure(await young.verify(await hs256(claims({ iat: now() - 3600 }))), 'expired');
    expectFailure(await young.verify(await hs256({ sub: 'u', exp: now() + 60 })), 'invalid_claims');
    expect((await young.verify(await hs256(claims()))).ok).toBe(true);
  });
});

describe('HS256 verifier: garbage never throws', () => {
  const valid = hs256(claims());

  it.each([
    ['empty string', ''],
    ['two segments', 'a.b'],
    ['three junk segments', 'a.b.c'],
    ['no dots', 'not-a-jwt'],
    ['four segments', 'a.b.c.d'],
    ['non-base64url characters', 'ey!J.e$y.c%d'],
    ['header is not JSON', segments('not json', claims())],
    ['header is a JSON array', segments([1, 2], claims())],
    ['header without alg', segments({ typ: 'JWT' }, claims())],
    ['unknown crit header', segments({ alg: 'HS256', crit: ['x-unknown'], 'x-unknown': 1 }, claims())],
    ['whitespace', '   '],
    ['a bearer prefix', 'Bearer abc.def.ghi'],
  ])('%s → malformed', async (_label, token) => {
    expectFailure(await verifier.verify(token), 'malformed');
  });

  it('a truncated token', async () => {
    const token = await valid;
    expectFailure(await verifier.verify(token.slice(0, -5)), 'invalid_signature');
    expect((await verifier.verify(token.slice(0, token.lastIndexOf('.')))).ok).toBe(false);
    expect((await verifier.verify(token.slice(0, 20))).ok).toBe(false);
  });

  it('a correctly signed JWS whose payload is not a JSON object', async () => {
    expectFailure(await verifier.verify(await signRaw('hello')), 'malformed');
    expectFailure(await verifier.verify(await signRaw('[1,2,3]')), 'malformed');
  });

  it('an unencoded-payload (b64: false) token', async () => {
    const payload = JSON.stringify(claims());
    const jws = await new FlattenedSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'HS256', b64: false, crit: ['b64'] }).sign(KEY);
    expectFailure(await verifier.verify(`${jws.protected ?? ''}.${payload}.${jws.signature}`), 'malformed');
  });

  it('a 10 KB header is refused before parsing', async () => {
    const token = await hs256(claims(), KEY, { padding: 'x'.repeat(10 * 1024) });
    expectFailure(await verifier.verify(token), 'too_large');
    const roomy = createTokenVerifier({ secret: SECRET, maxTokenBytes: 64 * 1024 });
    expect((await roomy.verify(token)).ok).toBe(true);
    expectFailure(await roomy.verify(`${token.slice(0, -3)}!!!`), 'malformed');
  });

  it('counts bytes, not characters', async () => {
    const small = createTokenVerifier({ secret: SECRET, maxTokenBytes: 10 });
    expectFailure(await small.verify('ééééé.ééé'), 'too_large');
  });

  it('a non-string input', async () => {
    for (const input of [undefined, null, 42, {}, ['a.b.c']]) {
      expectFailure(await verifier.verify(input as unknown as string), 'malformed');
    }
  });
});
