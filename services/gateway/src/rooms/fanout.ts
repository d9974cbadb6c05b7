import type { Logger } from '@parley/observability';
import { READ_RECEIPT_INTERVAL_MS, toChatMessage, TYPING, type RoomEvent } from '@parley/protocol';
import type { GatewayMetrics } from '../health/metrics.js';
import { Pacer } from '../limits/pacer.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { Connection } from '../ws/connection.js';
import type { RoomSubscriptions } from './subscriptions.js';
import { BroadcastFrame } from './broadcast-frame.js';
import { Coalescer } from './coalescer.js';

export interface Fanout {
  (roomId: string, event: RoomEvent): void;
  /** Drops pending coalesced receipts (shutdown). */
  close(): void;
}

/**
 * Room event (from the room's subject) → local members. A chat message or a durable event (edit,
 * delete, reaction) is encoded once per gateway (the public message, without the sender's session id) and each member's stream gets
 * the same {@link BroadcastFrame}, addressed to the member only when it is written.
 * The ephemeral events go on each member's ephemeral lane (dropped first under backpressure):
 * `user_joined`/`user_left` (from presence) as a `system_message`; `typing` as `user_typing` to
 * the others, at most one per user and room per TYPING.interval_ms; `read` as `read_receipt` to
 * the others, coalesced to one per user and room per READ_RECEIPT_INTERVAL_MS, the latest winning.
 * A `head` (the api's periodic "this room's log reaches `seq`") reaches no client: it only starts
 * a catch-up in the streams that are behind it.
 * Never throws: the subscription loop must survive any event.
 */
/**
 * `roomTypingPerSec`: at most this many `user_typing` per room per second reach a member (burst:
 * twice as many). In a room where everyone types, fan-out would otherwise cost each member one
 * frame per typist every 2 s (100 typists: 50/s, five times a busy room's messages); beyond it a
 * member sees some of the typists, which is all "several people are typing" needs.
 */
export function createFanout(rooms: RoomSubscriptions, metrics: GatewayMetrics, logger: Logger, roomTypingPerSec = 5): Fanout {
  const typing = new Pacer(TYPING.interval_ms);
  const roomTyping = new Map<string, TokenBucket>();
  const receipts = new Coalescer<{ roomId: string; userId: string; seq: number }>(READ_RECEIPT_INTERVAL_MS, (_key, r) =>
    ephemeral(r.roomId, 'read_receipt', r.userId, () => BroadcastFrame.encode('read_receipt', { room_id: r.roomId, user_id: r.userId, seq: r.seq })),
  );

  /** Not to a connection whose join is still being checked (a private room's members are not for someone who may turn out not to be one), nor to `except`'s own sockets. */
  function ephemeral(roomId: string, type: string, except: string | undefined, encode: () => BroadcastFrame): void {
    const members = rooms.members(roomId);
    if (!members) return;
    let frame: BroadcastFrame | undefined;
    for (const conn of members) {
      if (conn.userId === except || !admitted(conn, roomId)) continue;
      frame ??= encode();
      conn.sendEphemeral(frame.for(conn.sessionId), type);
    }
  }

  const fanout = (roomId: string, event: RoomEvent): void => {
    const members = rooms.members(roomId);
    if (!members || members.size === 0) return;
    try {
      switch (event.kind) {
        case 'message': {
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
        case 'event': {
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
        case 'system': {
          const data = { action: event.action, user_id: event.user_id, room_id: event.room_id };
          return ephemeral(roomId, event.action, undefined, () => BroadcastFrame.encode('system_message', data, members.size));
        }
        case 'typing':
          // Paced here too: a user typing on two gateways (two tabs) still reaches each member once per interval.
          if (!typing.admit(`${roomId} ${event.user_id}`, Date.now()) || !roomAdmits(roomId)) {
            return void metrics.ephemeralDropped.inc({ type: 'user_typing', reason: 'paced' });
          }
          return ephemeral(roomId, 'user_typing', event.user_id, () =>
            BroadcastFrame.encode('user_typing', { room_id: roomId, user_id: event.user_id }, members.size),
          );
        case 'read':
          return receipts.offer(`${roomId} ${event.user_id}`, { roomId, userId: event.user_id, seq: event.seq });
        case 'head':
          // Not a frame: a member behind the room's head lost a publish and catches up from history.
          if ([...members].filter((conn) => conn.rooms?.get(roomId)?.head(event.seq)).length > 0) metrics.headCatchUps.inc();
          return;
      }
    } catch (err) {
      logger.error({ err, room_id: roomId }, 'fan-out failed for one event');
    }
  };
  function roomAdmits(roomId: string): boolean {
    const now = Date.now();
    let bucket = roomTyping.get(roomId);
    if (!bucket) {
      if (roomTyping.size > 10_000) roomTyping.clear();
      bucket = new TokenBucket(roomTypingPerSec, 2 * roomTypingPerSec, now);
      roomTyping.set(roomId, bucket);
    }
    if (bucket.waitMs(now) > 0) return false;
    bucket.take();
    return true;
  }

  return Object.assign(fanout, { close: () => receipts.close() });
}

function admitted(conn: Connection, roomId: string): boolean {
  return conn.isOpen() && conn.rooms?.get(roomId)?.admitted === true;
}
