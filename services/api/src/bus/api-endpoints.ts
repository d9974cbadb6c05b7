import { BusHandlerError, subjects, type Bus, type BusSubscription } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import { AppendRejected, type MessageAppender } from '../messages/append.js';
import { readHistory } from '../messages/history.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import { addStats } from '../sessions/sessions.repository.js';
import { activeSession, resolveSession } from '../sessions/sessions.service.js';

export interface EndpointDeps {
  db: Db;
  bus: Bus;
  logger: Logger;
  rooms: RoomsService;
  appender: MessageAppender;
  sessionTtlMs: number;
}

/** Half of NATS's default 1 MiB payload limit: a history reply never reaches it. */
const HISTORY_REPLY_MAX_BYTES = 512 * 1024;

/** Expected failures travel back to the gateway with their code; anything else becomes INTERNAL_ERROR. */
async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw new BusHandlerError(error.data);
    if (error instanceof AppendRejected) throw new BusHandlerError(error.error);
    throw error;
  }
}

/**
 * The API's request/reply endpoints for gateways (queue group: one API instance answers each
 * request) and its statistics intake. Returns the subscriptions, for shutdown.
 */
export function serveApiEndpoints({ db, bus, logger, rooms, appender, sessionTtlMs }: EndpointDeps): BusSubscription[] {
  return [
    bus.serve(subjects.api.resolveSession, (request) => answering(() => resolveSession(db, request, { ttlMs: sessionTtlMs }))),

    bus.serve(subjects.api.roomAccess, (request) =>
      answering(async () => {
        const session = await activeSession(db, request.session_id);
        // Membership is by user: every session and tab of a private room's member may enter it.
        const { room, allowed } = await rooms.access(request.room_id, session.user_id);
        return { room_id: room.room_id, allowed, last_seq: room.last_seq };
      }),
    ),

    bus.serve(subjects.api.roomHistory, (request) =>
      answering(() => readHistory(db, { roomId: request.room_id, afterSeq: request.after_seq, limit: request.limit }, HISTORY_REPLY_MAX_BYTES)),
    ),

    bus.serve(subjects.api.appendMessage, (request) => answering(() => appender.append(request))),

    bus.subscribe(subjects.api.statsReport, async (report) => {
      await addStats(db, report.sessions);
      logger.debug({ gateway: report.gateway_id, sessions: report.sessions.length }, 'statistics added');
    }),
  ];
}
