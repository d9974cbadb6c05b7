import type { ClientHeartbeat } from '@parley/protocol';
import type { Connection } from '../connection.js';

/** `heartbeat` → `heartbeat` echoing the client's `sequence` (omitted when the client sent none). */
export function handleHeartbeat(conn: Connection, message: ClientHeartbeat): void {
  const sequence = message.data?.sequence;
  conn.sendFrame('heartbeat', sequence === undefined ? {} : { sequence });
}
