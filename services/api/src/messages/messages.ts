import { subjects, type Bus } from '@parley/bus';
import type { Metrics } from '@parley/observability';
import { RoomEventSchema } from '@parley/protocol';
import type { Db } from '../db/db.js';
import { MessageAppender, type EventLimits } from './append.js';
import { messageMetrics } from './messages.metrics.js';

/**
 * The one way a message or a durable event (edit, delete, reaction) enters a room's log:
 * append → commit → publish. Each newly stored entry is published to its room's subject after
 * its transaction commits (never one that could still roll back), in seq order per room; a
 * retried duplicate is not published again. REST routes and bus endpoints share the instance.
 */
export function createMessageAppender(db: Db, bus: Bus, metrics: Metrics, limits?: EventLimits): MessageAppender {
  const m = messageMetrics(metrics);
  return new MessageAppender(db, {
    limits,
    onStored: (entry) => {
      const roomId = entry.kind === 'message' ? entry.message.room_id : entry.event.data.room_id;
      if (entry.kind === 'message') m.stored.inc();
      else m.events.inc({ type: entry.event.type });
      bus.publish(subjects.chatRoom(roomId), RoomEventSchema.parse(entry));
    },
    onBatch: (size, seconds) => {
      m.batchSize.observe(size);
      m.commitSeconds.observe(seconds);
    },
  });
}
