import type { Logger } from '@parley/observability';
import { toChatMessage, type RoomEvent } from '@parley/protocol';
import type { GatewayMetrics } from '../health/metrics.js';
import type { RoomSubscriptions } from './subscriptions.js';
import { BroadcastFrame } from './broadcast-frame.js';

/**
 * Room event (from the room's subject) → local members. A chat message or a durable event (edit,
 * delete, reaction) is encoded once per gateway (the public message, without the sender's session id) and each member's stream gets
 * the same {@link BroadcastFrame}, addressed to the member only when it is written.
 * `user_joined`/`user_left` (from presence) become a `system_message` to each member.
 * Never throws: the subscription loop must survive any event.
 */
export function createFanout(rooms: RoomSubscriptions, metrics: GatewayMetrics, logger: Logger) {
  return (roomId: string, event: RoomEvent): void => {
    const members = rooms.members(roomId);
    if (!members || members.size === 0) return;
    try {
      if (event.kind === 'message') {
        const { message } = event;
        if (message.room_id !== roomId) {
          logger.warn({ room_id: roomId, message_room: message.room_id }, 'dropped a message published on another room subject');
          return;
        }
        const frame = BroadcastFrame.encode('text_message', toChatMessage(message), members.size);
        metrics.broadcasts.inc();
        for (const conn of members) conn.offerMessage(roomId, message.seq, frame);
        return;
      }
      if (event.kind === 'event') {
        // An edit, delete or reaction: one more entry of the room's log, in the same seq order as messages.
        const { type, data } = event.event;
        if (data.room_id !== roomId) {
          logger.warn({ room_id: roomId, event_room: data.room_id }, 'dropped an event published on another room subject');
          return;
        }
        const frame = BroadcastFrame.encode(type, data as never, members.size);
        metrics.broadcasts.inc();
        for (const conn of members) conn.offerMessage(roomId, data.seq, frame);
        return;
      }
      const data = { action: event.action, user_id: event.user_id, room_id: event.room_id };
      // Not to a connection whose join is still being checked: a private room's members are not
      // for someone who may turn out not to be one.
      for (const conn of members) if (conn.isOpen() && conn.rooms?.get(roomId)?.admitted) conn.sendFrame('system_message', data);
    } catch (err) {
      logger.error({ err, room_id: roomId }, 'fan-out failed for one event');
    }
  };
}
