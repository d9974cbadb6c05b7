import { randomUUID } from 'node:crypto';
import type { WebhookPublisher } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { WebhookEvent } from '@parley/protocol';
import type { PresenceActivity, PresenceStore } from './presence.store.js';

export interface ActivityPublisher {
  /** Stops the pending offline timers (their users stay pending until they come back). */
  stop(): void;
}

/**
 * Turns the store's activity into webhook events on JetStream (the api fans them out to the
 * endpoints): `user.online`, `room.vacated` at once; `user.offline` only once `graceMs` passed
 * without a new connection of that user (`settleOffline`, once across instances), so a reload
 * announces nothing. Presence is soft state: an event JetStream does not take after a few tries
 * is logged and dropped, and an instance that stops with offline timers pending leaves those
 * users offline unannounced until they come back (whose return is then not announced either).
 */
export function publishActivity(deps: { store: PresenceStore; publisher: WebhookPublisher; logger: Logger }, graceMs: number): ActivityPublisher {
  const { store, publisher, logger } = deps;
  const timers = new Set<NodeJS.Timeout>();

  const publish = async (event: WebhookEvent): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await publisher.event(event);
      } catch (err) {
        if (attempt >= 3) return void logger.warn({ err, type: event.type }, 'presence webhook event not published; dropped');
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  };
  const event = (type: WebhookEvent['type'], data: object, timestamp = Date.now()) => void publish({ id: randomUUID(), type, timestamp, data } as WebhookEvent);

  const settle = (userId: string, wentAt: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      store.settleOffline(userId).then(
        (offline) => offline && event('user.offline', { user_id: userId }, wentAt),
        (err: unknown) => logger.warn({ err }, 'could not settle a user offline; not announced'),
      );
    }, graceMs);
    timer.unref();
    timers.add(timer);
  };

  store.onActivity((activity: readonly PresenceActivity[]) => {
    for (const a of activity) {
      if (a.action === 'user_online') event('user.online', { user_id: a.user_id });
      else if (a.action === 'room_vacated') event('room.vacated', { room_id: a.room_id });
      else settle(a.user_id, Date.now());
    }
  });
  return {
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
