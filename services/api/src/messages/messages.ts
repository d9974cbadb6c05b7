import { subjects, type Bus } from '@parley/bus';
import type { Logger, Metrics } from '@parley/observability';
import type { Db } from '../db/db.js';
import { MessageAppender, type EventLimits, type StoredEntry } from './append.js';
import { messageMetrics } from './messages.metrics.js';
import { RoomHeads } from './heads.js';
import { notifyInCommit, PublishRelay, RELAY_CHANNEL } from './relay.js';

/** At most this long an append waits for its instance's relay to listen (it has no connection yet). */
const LISTEN_WAIT_MS = 2_000;

export interface MessagePublishing {
  readonly appender: MessageAppender;
  /** The commit-order relay when publishing goes through it (a worker of the service). */
  readonly relay?: PublishRelay;
  /** The room heads sender (a worker of the service) when `headsIntervalMs` > 0. */
  readonly heads?: RoomHeads;
}

const roomOf = (entry: StoredEntry) => (entry.kind === 'message' ? entry.message.room_id : entry.event.data.room_id);
const seqOf = (entry: StoredEntry) => (entry.kind === 'message' ? entry.message.seq : entry.event.data.seq);

/**
 * The one way a message or a durable event (edit, delete, reaction) enters a room's log:
 * append → commit → publish. Each newly stored entry is published to its room's subject after
 * its transaction commits (never one that could still roll back), in seq order per room; a
 * retried duplicate is not published again. REST routes and bus endpoints share the instance.
 *
 * With `relay` (every api process), publishing goes through the commit-order relay (relay.ts):
 * one instance publishes every instance's commits, in commit order, so a room's entries reach NATS
 * in seq order with any number of api instances. Without it (embedded mode, one instance by
 * construction; tests of one instance), each batch is published by the instance that committed it.
 *
 * With `headsIntervalMs` > 0, whoever publishes a room's entries also sends its head every that
 * many ms while the room is active (heads.ts), so a publish lost at a quiet room's tail still reaches
 * the gateways from history within about one interval.
 */
export function createMessagePublishing(
  db: Db,
  bus: Bus,
  metrics: Metrics,
  limits?: EventLimits,
  relay?: { readonly databaseUrl: string; readonly logger: Logger },
  headsIntervalMs = 0,
): MessagePublishing {
  const m = messageMetrics(metrics);
  const counted = (entry: StoredEntry) => {
    if (entry.kind === 'message') m.stored.inc();
    else m.events.inc({ type: entry.event.type });
  };
  const heads =
    headsIntervalMs > 0 ? new RoomHeads(headsIntervalMs, (room_id, seq) => bus.publish(subjects.chatRoom(room_id), { kind: 'head', room_id, seq })) : undefined;
  const publish = roomEventPublisher(bus, heads);
  const onBatch = (size: number, seconds: number) => {
    m.batchSize.observe(size);
    m.commitSeconds.observe(seconds);
  };
  if (relay === undefined) {
    const onStored = (entry: StoredEntry) => {
      counted(entry);
      publish(roomOf(entry), entry);
    };
    return { appender: new MessageAppender(db, { limits, onStored, onBatch }), heads };
  }
  const publishRelay = new PublishRelay({
    ...relay,
    publish: ({ room_id, event }) => publish(room_id, event),
    onLeader: (leader) => m.relayLeader.set(leader ? 1 : 0),
  });
  let listening = false;
  void publishRelay.listening.then(() => (listening = true));
  const appender = new MessageAppender(db, {
    limits,
    notify: {
      channel: RELAY_CHANNEL,
      // Just after start: a notification before this instance listens could find nobody listening.
      ready: async () => {
        if (!listening) await Promise.race([publishRelay.listening, new Promise((r) => setTimeout(r, LISTEN_WAIT_MS))]);
      },
      inCommit: (trx, stored) =>
        notifyInCommit(
          trx,
          stored.map(({ entry, traceContext }) => ({ relayed: { room_id: roomOf(entry), event: entry }, traceContext })),
        ),
    },
    onStored: counted,
    onBatch,
  });
  return { appender, relay: publishRelay, heads };
}

/**
 * Publishes a newly stored entry (from this instance's commit, or as the relay heard it) on its
 * room's subject, and tells the heads what was published there.
 */
export function roomEventPublisher(bus: Bus, heads?: RoomHeads): (roomId: string, entry: unknown) => void {
  return (roomId, entry) => {
    // Not parsed here: the bus validates it against the room subject's schema (RoomEventSchema)
    // as it encodes it and throws if it does not match, so nothing unchecked is published and the
    // heads hear only what was. A second parse cost ~6 µs per message (bench/bus-path.ts).
    const event = entry as StoredEntry;
    bus.publish(subjects.chatRoom(roomId), event);
    heads?.published(roomId, seqOf(event));
  };
}

/** The appender alone, publishing its own commits (one instance: tests, tools). */
export function createMessageAppender(db: Db, bus: Bus, metrics: Metrics, limits?: EventLimits): MessageAppender {
  return createMessagePublishing(db, bus, metrics, limits).appender;
}
