import { InstanceIdSchema } from '@parley/protocol';
import * as z from 'zod';
import { envBool, envDurationMs, envInt, envList, envUrl } from './env.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The settings every Parley service has, to spread into its config schema:
 * `z.object({ ...serviceFields(3001), DATABASE_URL: ... })`. One definition, so the three
 * services cannot drift in names, defaults or validation.
 */
export function serviceFields(defaultPort: number) {
  return {
    HOST: z.string().default('0.0.0.0'),
    PORT: envInt({ min: 0, max: 65_535 }).default(defaultPort),
    /**
     * NATS server(s), comma-separated: on a cluster, list several nodes (`nats://n1:4222,nats://n2:4222`)
     * so the process can start while one is down and fails over to another when its node is lost.
     */
    NATS_URL: z
      .string()
      .refine((value) => value.split(',').some((server) => server.trim() !== ''), { error: 'expected one or more NATS servers, comma-separated' })
      .default('nats://127.0.0.1:4222'),
    /**
     * true: connect to NATS_URL's first server, failing over in the order listed (a process pinned
     * to its nearest node); false: a random order, which spreads a fleet over the cluster's nodes.
     */
    NATS_SERVERS_IN_ORDER: envBool().default(false),
    /** Prepended to every NATS subject: separates deployments (or tests) sharing one NATS. */
    BUS_SUBJECT_PREFIX: z.string().default(''),
    /** How long a SIGTERM'd process may take to finish what it is doing before it exits anyway. */
    SHUTDOWN_GRACE_MS: envDurationMs({ min: 0 }).default(10_000),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    /** This process's id in logs, metrics and health reports; defaults to `<service>-<host>-<pid>`. */
    INSTANCE_ID: InstanceIdSchema.optional(),
    /**
     * OTLP/HTTP collector (e.g. `http://otel-collector:4318`): when set, traces are exported there
     * (OpenTelemetry's own OTEL_* variables tune the exporter); unset, tracing is off and costs nothing.
     */
    OTEL_EXPORTER_OTLP_ENDPOINT: envUrl().optional(),
  };
}

/** Token settings shared by the services that verify JWTs (api, gateway). */
export const authFields = {
  /** When true, clients must present a valid JWT (see each service for where). */
  AUTH_REQUIRED: envBool().default(false),
  /** HS256 secret (at least 32 bytes). Set this or JWT_JWKS_URL to accept tokens. */
  JWT_SECRET: z.string().min(32).optional(),
  /** A JWKS endpoint for asymmetric tokens (RS256, ES256, EdDSA). */
  JWT_JWKS_URL: envUrl().optional(),
  /** When set, tokens must carry this `iss`. */
  JWT_ISSUER: z.string().optional(),
  /** When set, tokens must carry this `aud`. */
  JWT_AUDIENCE: z.string().optional(),
};

/** Refinement for a schema with {@link authFields}: requiring auth without a way to verify tokens is a config error. */
export function requireVerifierWhenAuthRequired<T extends { AUTH_REQUIRED: boolean; JWT_SECRET?: string | undefined; JWT_JWKS_URL?: string | undefined }>(
  schema: z.ZodType<T>,
) {
  return schema.refine((c) => !c.AUTH_REQUIRED || c.JWT_SECRET !== undefined || c.JWT_JWKS_URL !== undefined, {
    message: 'AUTH_REQUIRED=true needs JWT_SECRET or JWT_JWKS_URL',
    path: ['AUTH_REQUIRED'],
  });
}

/**
 * The Redis a service shares state through (presence; cluster-wide limits in the gateway and the
 * api), and the prefix of every key it writes: separates deployments (or tests) sharing one Redis.
 * Each service keeps its own keys under the prefix, so one prefix may serve the whole stack.
 */
export function redisFields(defaultPrefix: string) {
  return {
    REDIS_URL: envUrl({ protocols: ['redis', 'rediss'] }).default('redis://127.0.0.1:6379'),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,64}$/, { error: 'must be 1-64 characters of [A-Za-z0-9_:.-]' })
      .default(defaultPrefix),
  };
}

/**
 * Peers (IPs or CIDRs) whose X-Forwarded-For is believed, e.g. the edge proxy (fastify
 * `trustProxy`: the rightmost untrusted address is the client). Empty: none, the peer is the client.
 */
export const trustedProxiesField = {
  TRUSTED_PROXIES: envList().default([]),
};
