import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import type { Logger } from '@parley/observability';
import { answering } from '../bus-answer.js';
import type { Db } from '../db/db.js';
import { addStats } from './sessions.repository.js';
import { resolveSession } from './sessions.service.js';

/** Which session a new socket uses, and the gateways' per-session statistics. */
export function serveSessionEndpoints({ db, bus, logger, sessionTtlMs }: { db: Db; bus: Bus; logger: Logger; sessionTtlMs: number }): BusSubscription[] {
  return [
    bus.serve(subjects.api.resolveSession, (request) => answering(() => resolveSession(db, request, { ttlMs: sessionTtlMs }))),
    bus.subscribe(subjects.api.statsReport, async (report) => {
      await addStats(db, report.sessions);
      logger.debug({ gateway: report.gateway_id, sessions: report.sessions.length }, 'statistics added');
    }),
  ];
}
