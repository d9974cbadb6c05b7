import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import { answering } from '../bus-answer.js';
import type { Db } from '../db/db.js';
import { activeSession } from '../sessions/sessions.service.js';
import type { RoomsService } from './rooms.service.js';

/** Whether a gateway may let a session into a room, and where the room's history stands. */
export function serveRoomEndpoints({ db, bus, rooms }: { db: Db; bus: Bus; rooms: RoomsService }): BusSubscription[] {
  return [
    bus.serve(subjects.api.roomAccess, (request) =>
      answering(async () => {
        const session = await activeSession(db, request.session_id);
        // Membership is by user: every session and tab of a private room's member may enter it.
        const { room, allowed } = await rooms.access(request.room_id, session.user_id);
        return { room_id: room.room_id, allowed, last_seq: room.last_seq };
      }),
    ),
  ];
}
