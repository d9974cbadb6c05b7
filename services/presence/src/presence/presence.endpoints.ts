import { BusHandlerError, subjects, type Bus, type BusSubscription } from '@parley/bus';
import type { Logger } from '@parley/observability';
import { errorData } from '@parley/protocol';
import type { PresenceStore } from './presence.store.js';

/**
 * Serves `presence.counts`, `presence.room` and `presence.user` (queue group `parley-presence`: one instance
 * answers each request). When Redis is unreachable the answer is a fast SERVICE_UNAVAILABLE
 * (retryable), never a hang: the API then shows 0 or answers 503.
 */
export function servePresenceQueries(deps: { bus: Bus; store: PresenceStore; logger: Logger }): BusSubscription[] {
  const { bus, store, logger } = deps;
  const unavailable = (err: unknown, subject: string): BusHandlerError => {
    logger.debug({ err, subject }, 'presence query failed: redis unavailable');
    return new BusHandlerError(errorData('SERVICE_UNAVAILABLE', 'Presence is unavailable; try again shortly', { retryable: true }));
  };
  return [
    bus.serve(subjects.presence.counts, async ({ room_ids }) => {
      try {
        return { counts: await store.counts(room_ids) };
      } catch (err) {
        throw unavailable(err, subjects.presence.counts.subject);
      }
    }),
    bus.serve(subjects.presence.room, async ({ room_id }) => {
      try {
        const users = await store.roomUsers(room_id);
        return { room_id, users, count: users.length };
      } catch (err) {
        throw unavailable(err, subjects.presence.room.subject);
      }
    }),
    bus.serve(subjects.presence.user, async ({ user_id }) => {
      try {
        const connections = await store.userConnections(user_id);
        return { user_id, online: connections > 0, connections };
      } catch (err) {
        throw unavailable(err, subjects.presence.user.subject);
      }
    }),
  ];
}
