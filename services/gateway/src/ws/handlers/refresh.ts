import { CLOSE_CODES, type RefreshMessage } from '@parley/protocol';
import type { GatewayContext } from '../../context.js';
import type { Connection } from '../connection.js';

/**
 * `refresh` → `token_refreshed`: a fresh token for the same user moves the socket's expiry and
 * keeps its session, rooms and position. A token that does not verify is an AUTHENTICATION_ERROR
 * and changes nothing (the old expiry still holds); a token for another user closes the socket
 * (4401), since a connection never changes identity.
 */
export async function handleRefresh({ verifier }: GatewayContext, conn: Connection, message: RefreshMessage): Promise<void> {
  const field = { field: 'token' };
  if (!verifier) return conn.sendError('AUTHENTICATION_ERROR', 'Token authentication is not enabled on this server', field);
  const verified = await verifier.verify(message.data.token);
  if (!conn.isOpen()) return;
  if (!verified.ok) {
    const retryable = verified.reason === 'keys_unavailable';
    return conn.sendError('AUTHENTICATION_ERROR', `Invalid token: ${verified.message}`, { ...field, retryable });
  }
  if (verified.claims.sub !== conn.userId) {
    conn.sendError('AUTHENTICATION_ERROR', 'The token belongs to another user', field);
    return conn.closeWith(CLOSE_CODES.AUTHENTICATION_FAILED);
  }
  const expiresAt = verified.claims.exp * 1_000;
  conn.expireTokenAt(expiresAt);
  conn.sendFrame('system_message', { action: 'token_refreshed', expires_in_ms: Math.max(0, expiresAt - Date.now()) });
}
