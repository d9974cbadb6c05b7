import type { Metrics } from '@parley/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Plain counters bumped on the hot path (a prom-client `inc` with labels costs a hash per call). */
export interface Counters {
  /** Valid client frames handled (every type). */
  framesAccepted: number;
  /** Chat messages written to sockets from live room traffic. */
  liveDeliveries: number;
  /** Chat messages written to sockets by a catch-up from history. */
  replayDeliveries: number;
}

/** The gateway's own series, on the service registry (never prom-client's global one). */
export interface GatewayMetrics {
  readonly connections: Gauge;
  readonly roomSubscriptions: Gauge;
  /** Client frames received, by outcome: `accepted`, `invalid`, `rate_limited`. */
  readonly framesIn: Counter<'outcome'>;
  /** Chat messages written to sockets (live broadcasts and catch-up replays), by `path`. */
  readonly messagesOut: Counter<'path'>;
  /** `error` frames sent, by seed error code. */
  readonly errors: Counter<'code'>;
  /** Connections closed by the server, by close-code name. */
  readonly closes: Counter<'reason'>;
  /** From a `text_message` frame's arrival to its `message_ack` leaving (store commit included). */
  readonly ackLatency: Histogram;
  /** Broadcasts encoded: one per room event per gateway, whatever the number of local members. */
  readonly broadcasts: Counter;
  /** Room messages heard with a seq past the next expected one (members hold, then fill from history). */
  readonly liveHoles: Counter;
  /** Room messages heard after a higher seq of the same room (published out of commit order). */
  readonly lateMessages: Counter;
  /** Room heads that found local members behind: a publish lost on the bus, filled from history. */
  readonly headCatchUps: Counter;
  /**
   * Ephemeral frames not delivered, by `type` (typing, user_typing, read_receipt, user_joined,
   * user_left) and `reason`: `backpressure` (the socket's send buffer is past the ephemeral lane's
   * limit), `rate` (a connection's typing bucket is empty), `paced` (another one of that user and
   * room passed within the interval).
   */
  readonly ephemeralDropped: Counter<'type' | 'reason'>;
}

/**
 * `deliveries` reads the plain hot-path counters: messages_out is copied from them at scrape time
 * (a labelled `inc` per delivery would hash its labels 10,000 times a second under load).
 */
export function createGatewayMetrics(metrics: Metrics, deliveries: () => { live: number; replay: number }): GatewayMetrics {
  const registers = [metrics.registry];
  return {
    connections: new Gauge({ name: 'parley_gateway_connections', help: 'Open WebSocket connections', registers }),
    roomSubscriptions: new Gauge({
      name: 'parley_gateway_room_subscriptions',
      help: 'Rooms this gateway is subscribed to (rooms with at least one local member)',
      registers,
    }),
    framesIn: new Counter({
      name: 'parley_gateway_messages_in_total',
      help: 'Client frames received, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    messagesOut: new Counter({
      name: 'parley_gateway_messages_out_total',
      help: 'Chat messages delivered to sockets, by path (live, replay)',
      labelNames: ['path'],
      registers,
      collect() {
        const { live, replay } = deliveries();
        this.reset();
        this.inc({ path: 'live' }, live);
        this.inc({ path: 'replay' }, replay);
      },
    }),
    errors: new Counter({ name: 'parley_gateway_errors_total', help: 'Error frames sent, by code', labelNames: ['code'], registers }),
    closes: new Counter({
      name: 'parley_gateway_server_closes_total',
      help: 'Connections closed by the gateway, by reason',
      labelNames: ['reason'],
      registers,
    }),
    ackLatency: new Histogram({
      name: 'parley_gateway_send_ack_seconds',
      help: 'text_message received to message_ack sent (includes the store commit)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    broadcasts: new Counter({
      name: 'parley_gateway_broadcasts_encoded_total',
      help: 'Room events encoded for local members (once per event per gateway)',
      registers,
    }),
    liveHoles: new Counter({
      name: 'parley_gateway_live_holes_total',
      help: 'Room messages heard with a seq past the next expected one: a hole members hold, then fill from history (once per event per gateway)',
      registers,
    }),
    lateMessages: new Counter({
      name: 'parley_gateway_late_messages_total',
      help: 'Room messages heard after a higher seq of the same room: published out of commit order (once per event per gateway)',
      registers,
    }),
    headCatchUps: new Counter({
      name: 'parley_gateway_head_catchups_total',
      help: 'Room heads that found local members behind (a publish lost on the bus, read from history; once per head per gateway)',
      registers,
    }),
    ephemeralDropped: new Counter({
      name: 'parley_gateway_ephemeral_dropped_total',
      help: 'Ephemeral frames (typing, read receipts, presence) dropped, by type and reason (backpressure, rate, paced)',
      labelNames: ['type', 'reason'],
      registers,
    }),
  };
}
