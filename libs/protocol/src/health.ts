import * as z from 'zod';

import { InstanceIdSchema, IsoDateTimeSchema } from './ids.js';

/**
 * Health: the stack-wide `GET /healthz` answer (the seed's exact shape) and one instance's answer
 * to a health probe on the bus, from which presence builds `/healthz`.
 */

/** Health of a component or of the whole stack, best to worst. */
export const COMPONENT_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
export const ComponentStatusSchema = z.enum(COMPONENT_STATUSES);
export type ComponentStatus = z.infer<typeof ComponentStatusSchema>;

/** HTTP status of `GET /healthz` for an overall status: degraded still serves, so still 200. */
export const HTTP_STATUS_FOR_HEALTH: Readonly<Record<ComponentStatus, number>> = Object.freeze({
  healthy: 200,
  degraded: 200,
  unhealthy: 503,
});

/** The worst of the given statuses (`healthy` for none). */
export function worstStatus(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let worst = 0;
  for (const status of statuses) worst = Math.max(worst, COMPONENT_STATUSES.indexOf(status));
  return COMPONENT_STATUSES[worst] ?? 'unhealthy';
}

/**
 * `components` of `/healthz`: the seed's `database` (from the API instances), `redis` (checked
 * by presence) and `websocket` (from the gateways), plus any other component (e.g. `nats`).
 */
export const HealthComponentsSchema = z
  .object({
    database: ComponentStatusSchema,
    redis: ComponentStatusSchema,
    websocket: ComponentStatusSchema,
  })
  .catchall(ComponentStatusSchema);
export type HealthComponents = z.infer<typeof HealthComponentsSchema>;

/** `metrics` of `/healthz`: counts are sums over every instance that answered. */
export const HealthMetricsSchema = z.object({
  /** Open WebSocket connections across all gateways. */
  active_connections: z.int().nonnegative(),
  /** Chat messages processed since the instances started, summed. */
  total_messages_processed: z.int().nonnegative(),
  /** Uptime of the instance answering `/healthz`, in whole seconds. */
  uptime_seconds: z.int().nonnegative(),
});
export type HealthMetrics = z.infer<typeof HealthMetricsSchema>;

/**
 * Body of `GET /healthz`, exactly the seed's shape. `status` is the worst component status;
 * HTTP 200 for healthy/degraded, 503 for unhealthy ({@link HTTP_STATUS_FOR_HEALTH}).
 */
export const HealthResponseSchema = z.object({
  status: ComponentStatusSchema,
  timestamp: IsoDateTimeSchema,
  /** Version of the deployed stack (semver). */
  version: z.string().min(1),
  components: HealthComponentsSchema,
  metrics: HealthMetricsSchema,
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** The kinds of service that answer a health probe. */
export const ServiceKindSchema = z.enum(['api', 'gateway', 'presence']);
export type ServiceKind = z.infer<typeof ServiceKindSchema>;

/**
 * One instance's answer to a health probe over the bus. `components` holds what this instance
 * checked itself (an API instance: `database`, `nats`; a gateway: `websocket`, `nats`).
 * `metrics` are this instance's own counters since it started.
 */
export const InstanceHealthSchema = z.object({
  service: ServiceKindSchema,
  instance_id: InstanceIdSchema,
  version: z.string().min(1),
  status: ComponentStatusSchema,
  uptime_seconds: z.int().nonnegative(),
  components: z.record(z.string(), ComponentStatusSchema),
  metrics: z.object({
    active_connections: z.int().nonnegative().optional(),
    total_messages_processed: z.int().nonnegative().optional(),
  }),
});
export type InstanceHealth = z.infer<typeof InstanceHealthSchema>;
