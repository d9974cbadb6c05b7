import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import { answering } from '../bus-answer.js';
import type { Db } from '../db/db.js';
import { eventFromSocket, fromSocket, type MessageAppender } from './append.js';
import { readLog } from './history.js';

/** Half of NATS's default 1 MiB payload limit: a history reply never reaches it. */
const HISTORY_REPLY_MAX_BYTES = 512 * 1024;

/** Gateways' appends of messages and durable events (a socket's: its session must be live and its user's) and catch-up reads of the log. */
export function serveMessageEndpoints({ db, bus, appender }: { db: Db; bus: Bus; appender: MessageAppender }): BusSubscription[] {
  return [
    bus.serve(subjects.api.roomHistory, (request) => answering(() => readLog(db, request.room_id, request.after_seq, request.limit, HISTORY_REPLY_MAX_BYTES))),
    bus.serve(subjects.api.appendMessage, (request) => answering(() => appender.append(fromSocket(request)))),
    bus.serve(subjects.api.appendEvent, (request) => answering(() => appender.appendEvent(eventFromSocket(request)))),
  ];
}
