import type { ComponentStatus, HealthResponse, InstanceHealth } from '@parley/protocol';

/**
 * The rules of `/healthz`, as pure functions.
 *
 * Components:
 * - `database`, from the API instances' own checks, and `websocket`, from the gateways': see
 *   {@link replicatedStatus} — no instance answering is `unhealthy`.
 * - `redis`: presence's own check of Redis (PING within a deadline): `healthy` or `unhealthy`.
 * - `nats`: this presence instance's NATS connection (if it is down, nobody answers either).
 *
 * Overall status: `unhealthy` (503) when a {@link STACK_CRITICAL} component is `unhealthy`, since
 * chat cannot work: nothing stores messages, nothing accepts sockets, or nothing carries them.
 * Otherwise `degraded` (200) when any component is not `healthy` — in particular Redis down is
 * `degraded`: presence is soft state, chat goes on without online lists and join/leave notices.
 * Otherwise `healthy` (200).
 */
export const STACK_CRITICAL = ['database', 'websocket', 'nats'] as const;

/** For one presence instance: without NATS it serves nothing; without Redis it still serves `/healthz`. */
export const PRESENCE_CRITICAL = ['nats'] as const;

/**
 * One component seen by several replicas (each API instance checks the database; each gateway
 * reports its WebSocket server): `healthy` when every replica says so, `degraded` while at least
 * one replica is still healthy or degraded (the stack serves, with less capacity, or a replica's
 * own link is broken), `unhealthy` when all say unhealthy or none answered.
 */
export function replicatedStatus(statuses: readonly ComponentStatus[]): ComponentStatus {
  if (statuses.length === 0) return 'unhealthy';
  if (statuses.every((s) => s === 'healthy')) return 'healthy';
  return statuses.some((s) => s !== 'unhealthy') ? 'degraded' : 'unhealthy';
}

/** `unhealthy` if a critical component is unhealthy, else `degraded` if any is not healthy, else `healthy`. */
export function overallStatus(components: Readonly<Record<string, ComponentStatus>>, critical: readonly string[]): ComponentStatus {
  if (critical.some((name) => components[name] === 'unhealthy')) return 'unhealthy';
  return Object.values(components).every((s) => s === 'healthy') ? 'healthy' : 'degraded';
}

export interface StackSnapshot {
  /** This presence instance's own health: `components.redis`, `components.nats`, `uptime_seconds`. */
  readonly self: InstanceHealth;
  /** Every instance that answered the health probe in time. */
  readonly instances: readonly InstanceHealth[];
  /** Processed messages summed over every gateway that ever reported. */
  readonly totalMessages: number;
  readonly version: string;
  readonly now: Date;
}

/**
 * The seed's `/healthz` body. `metrics.active_connections` sums the gateways that answered (a dead
 * gateway's sockets are gone); `uptime_seconds` is this presence instance's, as for the seed's
 * single process (the instance answering `/healthz`).
 */
export function summarize(snapshot: StackSnapshot): HealthResponse {
  const of = (service: InstanceHealth['service']) => snapshot.instances.filter((i) => i.service === service);
  // An instance that does not report the component is judged by its own overall status.
  const component = (instances: readonly InstanceHealth[], name: string) => instances.map((i) => i.components[name] ?? i.status);
  const gateways = of('gateway');
  const components = {
    database: replicatedStatus(component(of('api'), 'database')),
    redis: snapshot.self.components['redis'] ?? 'unhealthy',
    websocket: replicatedStatus(component(gateways, 'websocket')),
    nats: snapshot.self.components['nats'] ?? 'unhealthy',
  };
  return {
    status: overallStatus(components, STACK_CRITICAL),
    timestamp: snapshot.now.toISOString(),
    version: snapshot.version,
    components,
    metrics: {
      active_connections: gateways.reduce((sum, g) => sum + (g.metrics.active_connections ?? 0), 0),
      total_messages_processed: snapshot.totalMessages,
      uptime_seconds: snapshot.self.uptime_seconds,
    },
  };
}
