import { describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken, verifierFromSettings } from '../src/index.js';
import { SECRET } from './tokens.js';

describe('createTokenVerifier options', () => {
  it.each([
    ['neither secret nor jwksUrl', {}],
    ['both secret and jwksUrl', { secret: SECRET, jwksUrl: 'https://id.example/jwks' }],
    ['a secret shorter than 32 bytes', { secret: 'x'.repeat(31) }],
    ['algorithms with a secret', { secret: SECRET, algorithms: ['HS512'] }],
    ['a relative jwksUrl', { jwksUrl: '/jwks' }],
    ['a non-http jwksUrl', { jwksUrl: 'file:///etc/jwks.json' }],
    ['HS256 allowed for a JWKS', { jwksUrl: 'https://id.example/jwks', algorithms: ['ES256', 'HS256'] }],
    ['none allowed for a JWKS', { jwksUrl: 'https://id.example/jwks', algorithms: ['none'] }],
    ['an empty algorithm list', { jwksUrl: 'https://id.example/jwks', algorithms: [] }],
    ['a negative clock tolerance', { secret: SECRET, clockToleranceSec: -1 }],
    ['a NaN token size', { secret: SECRET, maxTokenBytes: Number.NaN }],
  ])('throws at construction on %s', (_label, options) => {
    expect(() => createTokenVerifier(options)).toThrow(TypeError);
  });

  it('counts secret length in bytes', () => {
    expect(() => createTokenVerifier({ secret: 'é'.repeat(16) })).not.toThrow();
  });
});

describe('signToken', () => {
  it('refuses a short secret and a non-finite lifetime', async () => {
    await expect(signToken('short', { sub: 'u' }, { expiresIn: 60 })).rejects.toThrow(TypeError);
    await expect(signToken(SECRET, { sub: 'u' }, { expiresIn: Number.POSITIVE_INFINITY })).rejects.toThrow(TypeError);
  });

  it('makes an already-expired token with a negative lifetime', async () => {
    const verifier = createTokenVerifier({ secret: SECRET, clockToleranceSec: 0 });
    const token = await signToken(SECRET, { sub: 'u' }, { expiresIn: -60 });
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'expired' });
  });
});

describe('verifierFromSettings', () => {
  it('builds an HS256 verifier from JWT_SECRET, and none without settings', async () => {
    const secret = 's'.repeat(32);
    const verifier = verifierFromSettings({ JWT_SECRET: secret, JWT_ISSUER: 'parley' });
    expect(verifier).toBeDefined();
    const good = await signToken(secret, { sub: 'alice', iss: 'parley' }, { expiresIn: 60 });
    const wrongIssuer = await signToken(secret, { sub: 'alice', iss: 'other' }, { expiresIn: 60 });
    expect(await verifier!.verify(good)).toMatchObject({ ok: true, claims: { sub: 'alice' } });
    expect(await verifier!.verify(wrongIssuer)).toMatchObject({ ok: false });
    expect(verifierFromSettings({})).toBeUndefined();
  });
});
