import type { JoinRoomMessage } from '@parley/protocol';
import type { GatewayContext } from '../../context.js';
import type { Connection } from '../connection.js';
import { reportFailure, withDetails } from '../errors.js';

/** `join_room` → `room_joined` {room_id, last_seq}, then any replay after `since_seq`, then live traffic. */
export async function handleJoinRoom({ rooms }: GatewayContext, conn: Connection, message: JoinRoomMessage): Promise<void> {
  const { room_id, since_seq } = message.data;
  const outcome = await rooms.join(conn, room_id);
  if (!conn.isOpen()) return;
  if (!outcome.ok) return reportFailure(conn, withDetails(outcome.error, { room_id }));
  rooms.announce(conn, room_id, outcome, since_seq);
}
