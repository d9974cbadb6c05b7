import { envBool, envDurationMs, envInt, loadConfig, redisFields, serviceFields, type Env } from '@parley/config';
import * as z from 'zod';

/** Every setting of the presence service, from the environment; defaults suit a local run. */
export const PresenceConfigSchema = z.object({
  ...serviceFields(3002),
  ...redisFields('parley:presence'),
  /**
   * Lifetime of a connection seen through `connect`/`join` before the gateway's first `refresh`
   * (a refresh carries its own `ttl_ms`), and of a closed connection's tombstone.
   */
  PRESENCE_TTL_MS: envDurationMs({ min: 100, max: 3_600_000 }).default(60_000),
  /** How often each instance removes expired connections (and announces `user_left`). */
  PRESENCE_SWEEP_INTERVAL_MS: envDurationMs({ min: 10, max: 60_000 }).default(2_000),
  /**
   * No sweeping for this long after start and after any Redis failure or reconnect, so that connections whose
   * expiry passed while presence could not hear the gateways get one refresh to prove they live.
   * About one gateway refresh interval (20 s) plus slack.
   */
  /** Publish presence's webhook events (user.online / user.offline / room.vacated) to JetStream; match the api's WEBHOOKS_ENABLED. */
  WEBHOOKS_ENABLED: envBool().default(true),
  /** How long a user's last connection may be gone before webhooks hear user.offline: a reload within it announces nothing. */
  PRESENCE_OFFLINE_GRACE_MS: envDurationMs({ min: 0, max: 3_600_000 }).default(10_000),
  PRESENCE_SWEEP_GRACE_MS: envDurationMs({ min: 0, max: 600_000 }).default(25_000),
  /** Most connections one sweep script removes (bounds how long it holds Redis). */
  PRESENCE_SWEEP_BATCH: envInt({ min: 1, max: 10_000 }).default(500),
  /** How long `/healthz` collects the instances' answers to the health probe. */
  HEALTH_GATHER_MS: envDurationMs({ min: 10, max: 10_000 }).default(500),
  /** Deadline of presence's own Redis check. */
  HEALTH_REDIS_TIMEOUT_MS: envDurationMs({ min: 10, max: 10_000 }).default(500),
  /**
   * Background probe of the stack that records each gateway's processed-message count even when
   * nobody calls `/healthz`, so a gateway that dies loses at most this much of its count. 0: off.
   */
  HEALTH_POLL_INTERVAL_MS: envDurationMs({ min: 0, max: 3_600_000 }).default(15_000),
  /** A gateway silent for this long has its last count folded into the retired total. */
  GATEWAY_STATS_RETENTION_MS: envDurationMs({ min: 60_000 }).default(7 * 86_400_000),
});

export type PresenceConfig = ReturnType<typeof loadPresenceConfig>;

export function loadPresenceConfig(env: Env = process.env) {
  return loadConfig(PresenceConfigSchema, env);
}
