/**
 * How a browser hands its JWT to the gateway without putting it in a URL (URLs end up in access
 * logs and browser history): as a second WebSocket subprotocol, `parley.token.<jwt>`, beside
 * `parley.v1`. The server selects `parley.v1`, never echoes the token. A JWT is base64url
 * segments joined by dots, all of them HTTP token characters, so it is a valid protocol value.
 */

/** The subprotocol the gateway selects when a client offers it. */
export const WS_SUBPROTOCOL = 'parley.v1';

/** Prefix of the subprotocol value that carries a token. */
export const WS_TOKEN_SUBPROTOCOL_PREFIX = 'parley.token.';

/** The subprotocols a client offers to connect with `token`: `['parley.v1', 'parley.token.<jwt>']`. */
export function subprotocolsFor(token: string): [string, string] {
  return [WS_SUBPROTOCOL, `${WS_TOKEN_SUBPROTOCOL_PREFIX}${token}`];
}

/** The token offered in a `Sec-WebSocket-Protocol` list, if any. */
export function tokenFromSubprotocols(protocols: Iterable<string>): string | undefined {
  for (const protocol of protocols) {
    if (protocol.startsWith(WS_TOKEN_SUBPROTOCOL_PREFIX) && protocol.length > WS_TOKEN_SUBPROTOCOL_PREFIX.length) {
      return protocol.slice(WS_TOKEN_SUBPROTOCOL_PREFIX.length);
    }
  }
  return undefined;
}
