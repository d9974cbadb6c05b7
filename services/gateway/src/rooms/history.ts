import { subjects, type Bus } from '@parley/bus';
import type { EventsPage } from '@parley/protocol';

/** Reads a room's log (messages and durable events) after a given seq, oldest first (the catch-up source). */
export interface HistorySource {
  /**
   * Up to `limit` log entries with `seq > afterSeq`, ascending, no holes; `has_more` when more follow.
   * Rejects on any failure (unreachable, timeout, unexpected answer).
   */
  after(roomId: string, afterSeq: number, limit: number): Promise<EventsPage>;
}

/**
 * History from the API over the bus (`api.room.history`), like every other look-up: the
 * connection already passed the room's access check, and the API's REST history would ask it
 * to authenticate (private rooms, AUTH_REQUIRED) on every user's behalf.
 */
export function busHistory(bus: Bus, timeoutMs: number): HistorySource {
  return {
    after: (roomId, afterSeq, limit) => bus.request(subjects.api.roomHistory, { room_id: roomId, after_seq: afterSeq, limit }, { timeoutMs }),
  };
}
