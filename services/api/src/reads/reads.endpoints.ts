import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import { answering } from '../bus-answer.js';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import { activeSession } from '../sessions/sessions.service.js';
import type { ReadsService } from './reads.service.js';

/** A socket's `mark_read`: the session's user, in a room they may enter (the same rule as joining it). */
export function serveReadEndpoints({ db, bus, rooms, reads }: { db: Db; bus: Bus; rooms: RoomsService; reads: ReadsService }): BusSubscription[] {
  return [
    bus.serve(subjects.api.markRead, (request) =>
      answering(async () => {
        const { user_id } = await activeSession(db, request.session_id);
        const { allowed } = await rooms.access(request.room_id, user_id);
        if (!allowed) throw new ApiError('PERMISSION_DENIED', `You may not enter room '${request.room_id}'`);
        return reads.markRead(request.room_id, user_id, request.seq);
      }),
    ),
  ];
}
