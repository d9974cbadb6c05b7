import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import { answering } from '../bus-answer.js';
import type { Db } from '../db/db.js';
import { readPositions } from '../reads/reads.repository.js';
import { activeSession } from '../sessions/sessions.service.js';
import type { RoomsService } from './rooms.service.js';

/** Whether a gateway may let a session into a room, where the room's history stands and where the user's reading does. */
export function serveRoomEndpoints({ db, bus, rooms }: { db: Db; bus: Bus; rooms: RoomsService }): BusSubscription[] {
  return [
    bus.serve(subjects.api.roomAccess, (request) =>
      answering(async () => {
        const session = await activeSession(db, request.session_id);
        // Membership is by user: every session and tab of a private room's member may enter it.
        const { room, allowed } = await rooms.access(request.room_id, session.user_id);
        if (!allowed) return { room_id: room.room_id, allowed, last_seq: room.last_seq };
        // For the `room_joined` frame: where the user's reading stands (read after the room row, so unread never lags last_seq).
        const position = (await readPositions(db, session.user_id, [room.room_id])).get(room.room_id);
        return { room_id: room.room_id, allowed, last_seq: room.last_seq, read_seq: position?.read_seq ?? 0, unread: position?.unread ?? 0 };
      }),
    ),
  ];
}
