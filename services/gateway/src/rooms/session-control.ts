import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import { CLOSE_CODES } from '@parley/protocol';
import type { Connection } from '../ws/connection.js';
import type { Hub } from '../ws/hub.js';
import type { RoomMembership } from './membership.js';

/**
 * Makes live connections follow REST changes published by the API on `gateway.session.control`
 * (every gateway hears every change; those without the session's connections ignore it):
 * a REST join or leave joins or leaves the session's sockets here, a closed session is disconnected
 * with 4401. Joins and leaves run on each connection's queue, like the client's own.
 */
export function serveSessionControl(bus: Bus, hub: Hub, rooms: RoomMembership): BusSubscription {
  return bus.subscribe(subjects.sessionControl, (control) => {
    for (const conn of hub.sessionConnections(control.session_id)) {
      const roomId = control.room_id;
      if (control.action === 'close') {
        conn.sendError('AUTHENTICATION_ERROR', 'Session was closed');
        conn.closeWith(CLOSE_CODES.AUTHENTICATION_FAILED);
      } else if (roomId !== undefined && control.action === 'join') {
        conn.enqueue(() => followJoin(rooms, conn, roomId));
      } else if (roomId !== undefined) {
        conn.enqueue(() => {
          if (conn.isOpen() && rooms.leave(conn, roomId)) conn.sendFrame('system_message', { action: 'room_left', room_id: roomId });
        });
      }
    }
  });
}

/**
 * Makes a user's live connections follow a change published by the API on `gateway.user.control`:
 * a user removed from a room leaves it on every socket, on every gateway, at once (nothing more
 * is delivered), and once more behind whatever the connection's queue holds (a join that was in
 * flight when the membership ended is undone). A user disconnected by the server API is told why
 * and closed: 4403 when they may not come back, else a `reconnect` hint and 1012.
 */
export function serveUserControl(bus: Bus, hub: Hub, rooms: RoomMembership): BusSubscription {
  return bus.subscribe(subjects.userControl, (control) => {
    for (const conn of hub.userConnections(control.user_id)) {
      if (control.action === 'disconnect') {
        disconnect(conn, control.reason, control.reconnect);
        continue;
      }
      const roomId = control.room_id;
      const leave = () => {
        if (conn.isOpen() && rooms.leave(conn, roomId)) {
          conn.sendFrame('system_message', { action: 'room_left', room_id: roomId, reason: 'removed' });
        }
      };
      leave();
      conn.enqueue(leave);
    }
  });
}

function disconnect(conn: Connection, reason: string, reconnect: boolean): void {
  if (!conn.isOpen()) return;
  // A close reason is at most 123 bytes: printable ASCII of the reason, cut short.
  const closeReason = reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
  if (reconnect) {
    conn.sendFrame('system_message', { action: 'reconnect', retry_after_ms: 0, reason });
    conn.closeWith(CLOSE_CODES.SERVICE_RESTART, closeReason);
  } else {
    conn.sendError('PERMISSION_DENIED', `Disconnected by the server: ${reason}`, { issue: reason });
    conn.closeWith(CLOSE_CODES.FORBIDDEN, closeReason);
  }
}

async function followJoin(rooms: RoomMembership, conn: Connection, roomId: string): Promise<void> {
  if (!conn.isOpen() || conn.rooms?.has(roomId)) return;
  const outcome = await rooms.join(conn, roomId);
  if (!conn.isOpen()) return;
  if (outcome.ok) rooms.announce(conn, roomId, outcome);
  else conn.sendError({ ...outcome.error, details: { ...outcome.error.details, room_id: roomId } });
}
