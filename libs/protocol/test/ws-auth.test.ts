import { describe, expect, it } from 'vitest';
import { parseClientFrame, subprotocolsFor, tokenFromSubprotocols, WS_SUBPROTOCOL } from '../src/index.js';

describe('token in Sec-WebSocket-Protocol', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl';

  it('offers parley.v1 and the token, and reads the token back', () => {
    const offered = subprotocolsFor(jwt);
    expect(offered).toEqual([WS_SUBPROTOCOL, `parley.token.${jwt}`]);
    expect(tokenFromSubprotocols(offered)).toBe(jwt);
  });

  it('finds no token when none or an empty one is offered', () => {
    expect(tokenFromSubprotocols([WS_SUBPROTOCOL])).toBeUndefined();
    expect(tokenFromSubprotocols(['parley.token.'])).toBeUndefined();
    expect(tokenFromSubprotocols([])).toBeUndefined();
  });

  it('keeps every character of a JWT inside the HTTP token grammar a subprotocol must use', () => {
    expect(subprotocolsFor(jwt)[1]).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
  });
});

describe('refresh frame', () => {
  it('takes a token', () => {
    expect(parseClientFrame(JSON.stringify({ type: 'refresh', data: { token: jwt() } }))).toMatchObject({ ok: true });
  });

  it('names the field when the token is missing or too long', () => {
    for (const data of [{}, { token: '' }, { token: 'x'.repeat(8_193) }]) {
      const result = parseClientFrame(JSON.stringify({ type: 'refresh', data }));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.details?.field).toBe('token');
    }
  });

  function jwt() {
    return 'a.b.c';
  }
});
