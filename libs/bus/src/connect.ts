import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * Options for {@link connectNats}: any nats.js connection option, with `servers` and `name`
 * required. Everything not given gets the defaults below.
 */
export type ConnectNatsOptions = NodeConnectionOptions & {
  /** One server, a list, or a comma-separated list (`NATS_URL=nats://n1:4222,nats://n2:4222`). */
  readonly servers: string | string[];
  /** Shown by the server's monitoring (`connz`): use `<service>-<instance>`. */
  readonly name: string;
};

/**
 * Parley's connection defaults (research: nats.js gives up after 10 reconnect attempts, ~20–25 s
 * of outage, and then stays closed for good; a gateway would be deaf until restarted).
 */
export const NATS_CONNECTION_DEFAULTS = Object.freeze({
  /** Reconnect forever. */
  maxReconnectAttempts: -1,
  /** Milliseconds between reconnect attempts to the same server… */
  reconnectTimeWait: 1_000,
  /** …plus a random 0–500 ms, so a fleet does not reconnect in lockstep. */
  reconnectJitter: 500,
  reconnectJitterTLS: 1_000,
  /** Client ping every 20 s; two unanswered pings (≈40 s) mark the connection stale and reconnect. */
  pingInterval: 20_000,
  maxPingOut: 2,
  /** Milliseconds to wait for the handshake with one server. */
  timeout: 10_000,
  /**
   * false: `connectNats` rejects if no server answers at start, so a misconfigured process fails
   * fast. true: it keeps trying (with the reconnect policy) until one does.
   */
  waitOnFirstConnect: false,
  /**
   * nats.js otherwise builds an Error (stack trace included) at every request(), in case it
   * fails later: ~60 µs per request, a fifth of a gateway's own CPU on the send path. A bus
   * error names its subject and code instead.
   */
  noAsyncTraces: true,
} satisfies Partial<NodeConnectionOptions>);

/**
 * The servers of a comma-separated list (`nats://n1:4222, nats://n2:4222`), trimmed, empties
 * dropped. nats.js takes a string as one server: given a list in one string it parses it as a
 * single, wrong address (it connected to the last entry's port only), so the split happens here.
 */
export function natsServers(servers: string | readonly string[]): string[] {
  return (typeof servers === 'string' ? [servers] : [...servers])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The options {@link connectNats} passes to nats.js: the defaults, overridden by `options`. */
export function natsConnectionOptions(options: ConnectNatsOptions): NodeConnectionOptions {
  return { ...NATS_CONNECTION_DEFAULTS, ...options, servers: natsServers(options.servers) };
}

/**
 * Connects to NATS with {@link NATS_CONNECTION_DEFAULTS}: reconnect forever, ~1 s between attempts
 * with jitter, 20 s pings. With several servers (the nodes of a cluster) it connects to one of
 * them, in random order unless `noRandomize`, and fails over to the others when that one is lost.
 * Subscriptions survive reconnects; publishes made while disconnected are buffered in memory and
 * lost if the connection finally closes (core NATS is at-most-once).
 *
 * The caller owns the connection and closes it: `await bus.drain()` (every bus built on it)
 * then `await nc.drain()`.
 */
export function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  return connect(natsConnectionOptions(options));
}
