import * as z from 'zod';

/**
 * Limits the gateway and API enforce. The values are configurable per deployment; the ones in
 * force are advertised to each client in the `welcome` system message, so a client can check a
 * message before sending it. Every value is a positive integer; units are in the name.
 */

const positiveInt = z.int().positive();

/** The limits in force (as advertised in `welcome.limits`). Unknown keys are dropped (additive). */
export const LimitsSchema = z.object({
  /** Largest WebSocket frame accepted, in bytes; larger closes with 1009. */
  max_frame_bytes: positiveInt,
  /** Longest `text_message` content, in Unicode code points after trimming. */
  max_content_chars: positiveInt,
  /** Deepest JSON nesting accepted in a client frame (`{}` and `[]` each count one level). */
  max_json_depth: positiveInt,
  /** Sustained messages per second per connection and per user (token bucket refill rate). */
  message_rate_per_sec: positiveInt,
  /** Token bucket size: messages that may be sent at once before the rate applies. */
  message_burst: positiveInt,
  /** Concurrent WebSocket connections per client IP. */
  connections_per_ip: positiveInt,
  /** Concurrent WebSocket connections per user id. */
  connections_per_user: positiveInt,
  /** Rooms one connection may be a member of at once. */
  rooms_per_connection: positiveInt,
  /** Time to complete the HTTP upgrade and session resolution, in ms. */
  handshake_timeout_ms: positiveInt,
  /** An HTTP connection with no request in flight (not yet upgraded) is closed after this, in ms. */
  idle_timeout_ms: positiveInt,
  /** Interval between server WebSocket pings, in ms. */
  ping_interval_ms: positiveInt,
  /** A connection that does not answer a ping within this many ms is closed with 4408. */
  pong_timeout_ms: positiveInt,
  /** Bytes queued for one socket before it is treated as a slow consumer and closed with 1013. */
  send_buffer_bytes: positiveInt,
  /** Lifetime of a session after its last activity, in ms. */
  session_ttl_ms: positiveInt,
  /** Largest page of history or room listings a REST call returns (larger `limit`s are clamped). */
  history_page_max: positiveInt,
});
export type Limits = z.infer<typeof LimitsSchema>;

/** Default limits (DESIGN "Limits that must exist"). Frozen; copy and override in config. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  max_frame_bytes: 65_536,
  max_content_chars: 4_000,
  max_json_depth: 8,
  message_rate_per_sec: 5,
  message_burst: 20,
  connections_per_ip: 20,
  connections_per_user: 10,
  rooms_per_connection: 100,
  handshake_timeout_ms: 10_000,
  idle_timeout_ms: 10_000,
  ping_interval_ms: 25_000,
  pong_timeout_ms: 10_000,
  send_buffer_bytes: 1_048_576,
  session_ttl_ms: 86_400_000,
  history_page_max: 100,
});

/** Default page size for REST listings (rooms, history) when `limit` is absent. */
export const DEFAULT_PAGE_LIMIT = 50;
