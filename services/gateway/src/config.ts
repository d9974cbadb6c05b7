import {
  authFields,
  envDurationMs,
  envInt,
  loadConfig,
  originFields,
  redisFields,
  requireVerifierWhenAuthRequired,
  serviceFields,
  trustedProxiesField,
  type Env,
} from '@parley/config';
import { DEFAULT_LIMITS, type Limits } from '@parley/protocol';
import * as z from 'zod';

const L = DEFAULT_LIMITS;

/** Every setting of the gateway, from the environment; defaults are DESIGN.md's limits. */
export const GatewayConfigSchema = z.object({
  ...serviceFields(3000),
  /**
   * AUTH_REQUIRED: a connection needs a valid token (`Sec-WebSocket-Protocol: parley.v1,
   * parley.token.<jwt>` or `?token=`); a `session_id` alone is not enough.
   */
  ...authFields,
  /** Deadline of one bus request to the API (resolve session, room access, append, one history page). */
  API_TIMEOUT_MS: envDurationMs({ min: 1, max: 60_000 }).default(5_000),

  /** WS_ALLOWED_ORIGINS (the Origin allowlist), shared with the api's CORS. */
  WS_ALLOWED_ORIGINS: originFields.WS_ALLOWED_ORIGINS,
  ...trustedProxiesField,

  WS_MAX_PAYLOAD_BYTES: envInt({ min: 1_024, max: 16_777_216 }).default(L.max_frame_bytes),
  /** Most fragments one message may arrive in (ws `maxFragments`); more closes with 1008. */
  WS_MAX_FRAGMENTS: envInt({ min: 1, max: 1_000_000 }).default(128),
  WS_MAX_CONTENT_CHARS: envInt({ min: 1, max: L.max_content_chars }).default(L.max_content_chars),
  WS_MAX_JSON_DEPTH: envInt({ min: 2, max: 64 }).default(L.max_json_depth),
  /** Token bucket per connection and per user: refill rate (frames/s) and size. */
  WS_MESSAGE_RATE_PER_SEC: envInt({ min: 1, max: 100_000 }).default(L.message_rate_per_sec),
  WS_MESSAGE_BURST: envInt({ min: 1, max: 100_000 }).default(L.message_burst),
  /** Frames refused by the rate limit within WS_RATE_LIMIT_WINDOW_MS before the socket is closed with 4429. */
  WS_RATE_LIMIT_STRIKES: envInt({ min: 1, max: 100_000 }).default(20),
  WS_RATE_LIMIT_WINDOW_MS: envDurationMs({ min: 100 }).default(10_000),
  WS_CONNECTIONS_PER_IP: envInt({ min: 1, max: 1_000_000 }).default(L.connections_per_ip),
  WS_CONNECTIONS_PER_USER: envInt({ min: 1, max: 1_000_000 }).default(L.connections_per_user),
  /** Open WebSockets on this process; further upgrades get 503. */
  WS_MAX_CONNECTIONS: envInt({ min: 1, max: 1_000_000 }).default(10_000),
  WS_ROOMS_PER_CONNECTION: envInt({ min: 1, max: 1_000 }).default(L.rooms_per_connection),
  /** Upgrade request headers must arrive within this (Node `headersTimeout`, checked every second). */
  WS_HANDSHAKE_TIMEOUT_MS: envDurationMs({ min: 100 }).default(L.handshake_timeout_ms),
  /** A TCP connection that has not upgraded and sends nothing is closed after this (fastify `connectionTimeout`). */
  WS_IDLE_TIMEOUT_MS: envDurationMs({ min: 100 }).default(L.idle_timeout_ms),
  WS_PING_INTERVAL_MS: envDurationMs({ min: 10 }).default(L.ping_interval_ms),
  WS_PONG_TIMEOUT_MS: envDurationMs({ min: 10 }).default(L.pong_timeout_ms),
  /** Bytes queued for one socket before it is closed as a slow consumer (1013). */
  WS_SEND_BUFFER_BYTES: envInt({ min: 1_024 }).default(L.send_buffer_bytes),
  /**
   * The ephemeral lane (typing, read receipts, presence joins and leaves): such a frame is dropped,
   * not queued, once this many bytes wait in the socket's send buffer, so they never push a socket
   * toward the slow-consumer close, which only durable backlog reaches.
   */
  WS_EPHEMERAL_BUFFER_BYTES: envInt({ min: 0 }).default(65_536),
  /** Typing frames' own token bucket per connection (they never spend chat tokens); beyond it they are dropped silently. */
  WS_TYPING_RATE_PER_SEC: envInt({ min: 1, max: 1_000 }).default(2),
  WS_TYPING_BURST: envInt({ min: 1, max: 1_000 }).default(5),
  /** `user_typing` frames per room per second a member gets at most (burst twice as many): a busy room shows some of its typists. */
  WS_TYPING_ROOM_RATE_PER_SEC: envInt({ min: 1, max: 100_000 }).default(5),
  /** After a close frame, how long a peer gets to answer before its socket is destroyed. */
  WS_CLOSE_TIMEOUT_MS: envDurationMs({ min: 10 }).default(5_000),
  /** Advertised to clients (the API owns session expiry). */
  SESSION_TTL_MS: envDurationMs({ min: 60_000 }).default(L.session_ttl_ms),
  /** Most missed messages replayed per room on a catch-up (the newest ones; older ones via REST history). */
  CATCHUP_MAX_MESSAGES: envInt({ min: 1, max: 100_000 }).default(1_000),
  /** A hole in live traffic waits this long for the missing message (out-of-order publishes) before reading history. */
  CATCHUP_HOLE_GRACE_MS: envDurationMs({ min: 0, max: 10_000 }).default(100),

  STATS_INTERVAL_MS: envDurationMs({ min: 100 }).default(5_000),
  PRESENCE_REFRESH_MS: envDurationMs({ min: 100 }).default(20_000),
  PRESENCE_TTL_MS: envDurationMs({ min: 1_000 }).default(60_000),

  /**
   * Where the per-user limits are shared with the other gateways (limits/README in the gateway
   * README). Unreachable: each gateway enforces them alone until Redis returns.
   */
  ...redisFields('parley:limits'),
  /** How often this gateway adds its users' spent message tokens to the shared buckets and reads them back. */
  WS_LIMITS_SYNC_MS: envDurationMs({ min: 10, max: 10_000 }).default(100),
  /** A connection counts toward its user's cap in Redis this long unless its gateway refreshes it (a crashed gateway's expire). */
  WS_CONNECTION_TTL_MS: envDurationMs({ min: 500, max: 3_600_000 }).default(60_000),
  WS_CONNECTION_REFRESH_MS: envDurationMs({ min: 100, max: 600_000 }).default(20_000),
  /** Longest a handshake waits for Redis to count a connection before deciding on this gateway's count alone. */
  WS_LIMITS_REDIS_TIMEOUT_MS: envDurationMs({ min: 10, max: 10_000 }).default(250),

  /** How long before a socket's token expires the server sends `token_expiring` (asking for a `refresh`). */
  WS_TOKEN_REFRESH_NOTICE_MS: envDurationMs({ min: 100 }).default(60_000),
  /** Clock-skew allowance: a socket whose token was not refreshed is closed (4401) this long after `exp`. */
  WS_TOKEN_EXPIRY_GRACE_MS: envDurationMs({ min: 0, max: 300_000 }).default(5_000),

  /** Upper bound of the random `retry_after_ms` sent with the reconnect hint at shutdown. */
  RECONNECT_JITTER_MS: envDurationMs({ min: 0 }).default(5_000),
});

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: Env = process.env) {
  return loadConfig(requireVerifierWhenAuthRequired(GatewayConfigSchema), env);
}

/** The limits in force, as advertised to each client in `welcome.limits`. */
export function limitsOf(config: GatewayConfig): Limits {
  return {
    max_frame_bytes: config.WS_MAX_PAYLOAD_BYTES,
    max_content_chars: config.WS_MAX_CONTENT_CHARS,
    max_json_depth: config.WS_MAX_JSON_DEPTH,
    message_rate_per_sec: config.WS_MESSAGE_RATE_PER_SEC,
    message_burst: config.WS_MESSAGE_BURST,
    connections_per_ip: config.WS_CONNECTIONS_PER_IP,
    connections_per_user: config.WS_CONNECTIONS_PER_USER,
    rooms_per_connection: config.WS_ROOMS_PER_CONNECTION,
    handshake_timeout_ms: config.WS_HANDSHAKE_TIMEOUT_MS,
    idle_timeout_ms: config.WS_IDLE_TIMEOUT_MS,
    ping_interval_ms: config.WS_PING_INTERVAL_MS,
    pong_timeout_ms: config.WS_PONG_TIMEOUT_MS,
    send_buffer_bytes: config.WS_SEND_BUFFER_BYTES,
    session_ttl_ms: config.SESSION_TTL_MS,
    history_page_max: L.history_page_max,
  };
}
