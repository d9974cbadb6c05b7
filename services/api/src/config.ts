import { envBool, envDurationMs, envInt, envUrl, loadConfig, type Env } from '@parley/config';
import { DEFAULT_LIMITS, InstanceIdSchema } from '@parley/protocol';
import { z } from 'zod';

/** Every setting of the api service, from the environment; defaults suit a local run. */
export const ApiConfigSchema = z.object({
  HOST: z.string().default('0.0.0.0'),
  PORT: envInt({ min: 0, max: 65_535 }).default(3001),
  DATABASE_URL: envUrl({ protocols: ['postgres', 'postgresql'] }).default('postgres://postgres:postgres@127.0.0.1:5432/parley'),
  DATABASE_POOL_MAX: envInt({ min: 1, max: 200 }).default(10),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Prepended to every NATS subject: separates deployments (or tests) sharing one NATS. */
  BUS_SUBJECT_PREFIX: z.string().default(''),
  /** Where clients connect; `websocket_url` in a new session is this plus `?session_id=`. */
  PUBLIC_WS_URL: envUrl({ protocols: ['ws', 'wss'] }).default('ws://127.0.0.1:8080/ws/chat/'),
  SESSION_TTL_MS: envDurationMs({ min: 60_000 }).default(DEFAULT_LIMITS.session_ttl_ms),
  /** When true, creating a session needs a Bearer JWT whose `sub` is the session's `user_id`. */
  AUTH_REQUIRED: envBool().default(false),
  JWT_SECRET: z.string().min(32).optional(),
  JWT_JWKS_URL: envUrl().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  /** How long the rooms list waits for presence counts before answering without them. */
  PRESENCE_TIMEOUT_MS: envDurationMs({ min: 1, max: 10_000 }).default(250),
  MIGRATE_ON_START: envBool().default(false),
  SHUTDOWN_GRACE_MS: envDurationMs({ min: 0 }).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  INSTANCE_ID: InstanceIdSchema.optional(),
});

export type ApiConfig = ReturnType<typeof loadApiConfig>;

export function loadApiConfig(env: Env = process.env) {
  return loadConfig(
    ApiConfigSchema.refine((c) => !c.AUTH_REQUIRED || c.JWT_SECRET !== undefined || c.JWT_JWKS_URL !== undefined, {
      message: 'AUTH_REQUIRED=true needs JWT_SECRET or JWT_JWKS_URL',
      path: ['AUTH_REQUIRED'],
    }),
    env,
  );
}
