import { subjects, type Bus } from '@parley/bus';
import type { Metrics } from '@parley/observability';
import { RoomEventSchema } from '@parley/protocol';
import type { Db } from '../db/db.js';
import { MessageAppender } from './append.js';
import { messageMetrics } from './messages.metrics.js';

/**
 * The one way a message enters a room: append → commit → publish. Each newly stored message is
 * published to its room's subject after its transaction commits (never a message that could
 * still roll back), in seq order per room; a retried duplicate is not published again. REST
 * routes and bus endpoints share the instance.
 */
export function createMessageAppender(db: Db, bus: Bus, metrics: Metrics): MessageAppender {
  const m = messageMetrics(metrics);
  return new MessageAppender(db, {
    onStored: (message) => {
      m.stored.inc();
      bus.publish(subjects.chatRoom(message.room_id), RoomEventSchema.parse({ kind: 'message', message }));
    },
    onBatch: (size, seconds) => {
      m.batchSize.observe(size);
      m.commitSeconds.observe(seconds);
    },
  });
}
