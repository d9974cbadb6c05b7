import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { Counter } from 'prom-client';

export interface PresenceCounts {
  /** Distinct users online per room; 0 for every room when presence does not answer in time. */
  counts(roomIds: readonly string[]): Promise<Record<string, number>>;
  /**
   * Distinct users online in the room, counting `userId` as one of them (once) whether or not
   * presence has seen it there yet: a join answers with the joiner counted (the seed's 25 → 26).
   * 1 when presence does not answer in time.
   */
  countWith(roomId: string, userId: string): Promise<number>;
}

/**
 * Asks presence for online counts with a short deadline. Presence is soft state: when it is down
 * the caller still answers (with 0s), the miss is logged and counted, never a 500.
 */
export function presenceCounts(bus: Bus, logger: Logger, timeoutMs: number, misses: Counter): PresenceCounts {
  return {
    async counts(roomIds) {
      if (roomIds.length === 0) return {};
      try {
        const reply = await bus.request(subjects.presence.counts, { room_ids: [...roomIds] }, { timeoutMs });
        return reply.counts;
      } catch (error) {
        misses.inc();
        logger.warn({ err: error, rooms: roomIds.length }, 'presence counts unavailable; answering with 0');
        return Object.fromEntries(roomIds.map((id) => [id, 0]));
      }
    },
    async countWith(roomId, userId) {
      try {
        const { users } = await bus.request(subjects.presence.room, { room_id: roomId }, { timeoutMs });
        return users.length + (users.includes(userId) ? 0 : 1);
      } catch (error) {
        misses.inc();
        logger.warn({ err: error, room_id: roomId }, 'presence unavailable; counting the joiner alone');
        return 1;
      }
    },
  };
}
