import {
  authFields,
  envBool,
  envDurationMs,
  envInt,
  envUrl,
  loadConfig,
  originFields,
  redisFields,
  requireVerifierWhenAuthRequired,
  serviceFields,
  trustedProxiesField,
  type Env,
} from '@parley/config';
import { DEFAULT_LIMITS } from '@parley/protocol';
import * as z from 'zod';

/** Every setting of the api service, from the environment; defaults suit a local run. */
export const ApiConfigSchema = z.object({
  ...serviceFields(3001),
  ...authFields,
  /** CORS_ORIGINS (default: WS_ALLOWED_ORIGINS, the gateway's list): browser origins REST answers. */
  ...originFields,
  DATABASE_URL: envUrl({ protocols: ['postgres', 'postgresql'] }).default('postgres://postgres:postgres@127.0.0.1:5432/parley'),
  DATABASE_POOL_MAX: envInt({ min: 1, max: 200 }).default(10),
  /** Where clients connect; `websocket_url` in a new session is this plus `?session_id=`. */
  PUBLIC_WS_URL: envUrl({ protocols: ['ws', 'wss'] }).default('ws://127.0.0.1:8080/ws/chat/'),
  /** Lifetime of a session from its creation. */
  SESSION_TTL_MS: envDurationMs({ min: 60_000 }).default(DEFAULT_LIMITS.session_ttl_ms),
  /** How long the rooms list waits for presence counts before answering without them. */
  PRESENCE_TIMEOUT_MS: envDurationMs({ min: 1, max: 10_000 }).default(250),
  /**
   * Whether callers without a token (guests identified by a session, or anonymous callers) may
   * create rooms. With AUTH_REQUIRED every caller has a token, so this only matters without it.
   */
  GUEST_ROOM_CREATION: envBool().default(true),
  /** The client address of a request is the peer's, or the X-Forwarded-For client when the peer is one of these. */
  ...trustedProxiesField,
  /** Where REST rate limits are counted, shared by every api instance; unreachable: each instance counts alone. */
  ...redisFields('parley:rest'),
  /**
   * REST rate limits: requests per window, keyed by the verified Bearer token's `sub` when there
   * is one, else by client address. /livez, /readyz, /metrics and /docs are not limited.
   */
  REST_RATE_LIMIT_WINDOW_MS: envDurationMs({ min: 100, max: 3_600_000 }).default(60_000),
  REST_RATE_LIMIT_IP_MAX: envInt({ min: 1, max: 1_000_000 }).default(600),
  REST_RATE_LIMIT_USER_MAX: envInt({ min: 1, max: 1_000_000 }).default(600),
  /** Requests per window of one server-API key (`/api/server/`), counted across instances like the others. */
  REST_RATE_LIMIT_KEY_MAX: envInt({ min: 1, max: 1_000_000 }).default(6_000),
  /** Webhooks (JetStream): off, no api instance relays, fans out or delivers events (nor accepts endpoints). */
  WEBHOOKS_ENABLED: envBool().default(true),
  /** How long one webhook POST may take before it counts as a failed attempt. */
  WEBHOOK_TIMEOUT_MS: envDurationMs({ min: 100, max: 60_000 }).default(5_000),
  /** Attempts per delivery before its dead letter. */
  WEBHOOK_MAX_ATTEMPTS: envInt({ min: 1, max: 100 }).default(10),
  /** Backoff after the first failed attempt; it doubles per attempt (with jitter) up to WEBHOOK_BACKOFF_MAX_MS. */
  WEBHOOK_BACKOFF_BASE_MS: envDurationMs({ min: 10, max: 3_600_000 }).default(1_000),
  WEBHOOK_BACKOFF_MAX_MS: envDurationMs({ min: 10, max: 86_400_000 }).default(600_000),
  /** POSTs in flight per endpoint per api instance. */
  WEBHOOK_CONCURRENCY: envInt({ min: 1, max: 256 }).default(8),
  /** How often committed events are moved from the Postgres outbox to JetStream. */
  WEBHOOK_RELAY_INTERVAL_MS: envDurationMs({ min: 10, max: 60_000 }).default(200),
  /** How long an undelivered event stays in JetStream before it expires. */
  WEBHOOK_RETENTION_MS: envDurationMs({ min: 60_000 }).default(7 * 86_400_000),
  /**
   * Copies of each webhook stream on a JetStream cluster: 1 (a single server accepts no more) keeps
   * a stream on one node, unavailable while that node is down; 3 on a cluster of 3 or more survive
   * the loss of any one node (docs/scaling.md).
   */
  WEBHOOK_STREAM_REPLICAS: envInt({ min: 1, max: 5 }).default(1),
  /** How long after posting its author may edit a message (`edit_message`); 0: no limit. */
  MESSAGE_EDIT_WINDOW_MS: envDurationMs({ min: 0 }).default(86_400_000),
  /** Most distinct emoji reactions on one message (`add_reaction` of a new emoji beyond it is refused). */
  MESSAGE_MAX_REACTIONS: envInt({ min: 1, max: 1_000 }).default(20),
  /**
   * Publish every instance's commits from one place, in commit order (Postgres NOTIFY to the holder
   * of an advisory lock), so a room's messages reach the gateways in seq order with any number of
   * instances. false: each instance publishes its own commits (fine with one instance only).
   */
  PUBLISH_RELAY: envBool().default(true),
  /**
   * How often the api sends each active room's head `seq` (rooms with appends in the last 3
   * intervals) on the room's subject: a gateway that missed a publish at a quiet room's tail reads
   * it from history within about this long. 0: no heads (a lost tail publish then waits for the
   * room's next message or a rejoin).
   */
  ROOM_HEADS_INTERVAL_MS: envDurationMs({ min: 0, max: 60_000 }).default(1_000),
  /**
   * Read receipts are sent only in rooms with at most this many users online (presence counts,
   * re-read every 5 s): in a larger room they are noise, and N readers would cost N² frames.
   */
  READ_RECEIPTS_MAX_MEMBERS: envInt({ min: 0, max: 1_000_000 }).default(100),
  /** Run the migrations before serving (the compose stack runs them as a one-shot service instead). */
  MIGRATE_ON_START: envBool().default(false),
});

export type ApiConfig = ReturnType<typeof loadApiConfig>;

export function loadApiConfig(env: Env = process.env) {
  return loadConfig(requireVerifierWhenAuthRequired(ApiConfigSchema), env);
}
