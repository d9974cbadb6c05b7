import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { PresenceMetrics } from '../metrics.js';
import type { RoomChange } from './presence.store.js';

/**
 * Publishes each change as a `system` room event on the room's subject, where the gateways
 * deliver it to their local members. At most once, like every core NATS publish: presence is soft
 * state. Never throws (a closed bus during shutdown is logged).
 */
export function announce(deps: { bus: Bus; logger: Logger; metrics: PresenceMetrics }, changes: readonly RoomChange[], at: number): void {
  for (const change of changes) {
    try {
      deps.bus.publish(subjects.chatRoom(change.room_id), {
        kind: 'system',
        action: change.action,
        user_id: change.user_id,
        room_id: change.room_id,
        at,
      });
      deps.metrics.roomEvents.inc({ action: change.action });
    } catch (err) {
      deps.logger.warn({ err, room_id: change.room_id, action: change.action }, 'could not publish a presence room event');
    }
  }
}
