import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import { answering } from '../bus-answer.js';
import type { Db } from '../db/db.js';
import { fromSocket, type MessageAppender } from './append.js';
import { readHistory } from './history.js';

/** Half of NATS's default 1 MiB payload limit: a history reply never reaches it. */
const HISTORY_REPLY_MAX_BYTES = 512 * 1024;

/** Gateways' appends (a socket's: its session must be live and its user's) and catch-up reads. */
export function serveMessageEndpoints({ db, bus, appender }: { db: Db; bus: Bus; appender: MessageAppender }): BusSubscription[] {
  return [
    bus.serve(subjects.api.roomHistory, (request) =>
      answering(() => readHistory(db, { roomId: request.room_id, afterSeq: request.after_seq, limit: request.limit }, HISTORY_REPLY_MAX_BYTES)),
    ),
    bus.serve(subjects.api.appendMessage, (request) => answering(() => appender.append(fromSocket(request)))),
  ];
}
