import { subjects, type BusSubscription } from '@parley/bus';
import { worstStatus, type ComponentStatus, type InstanceHealth } from '@parley/protocol';
import type { GatewayContext } from '../context.js';

/**
 * This instance's health: `websocket` (accepting connections: `unhealthy` once draining) and
 * `nats` (connected). `total_messages_processed` counts client frames accepted (every valid frame,
 * heartbeats included) plus chat messages delivered to sockets (live and replayed): the frames
 * this instance handled since it started.
 */
export function gatewayHealth(ctx: GatewayContext): InstanceHealth {
  const websocket: ComponentStatus = ctx.draining ? 'unhealthy' : 'healthy';
  const nats: ComponentStatus = ctx.bus.isConnected() ? 'healthy' : 'unhealthy';
  const { framesAccepted, liveDeliveries, replayDeliveries } = ctx.counters;
  return {
    service: 'gateway',
    instance_id: ctx.instanceId,
    version: ctx.version,
    status: worstStatus([websocket, nats]),
    uptime_seconds: Math.floor((Date.now() - ctx.startedAt) / 1_000),
    components: { websocket, nats },
    metrics: {
      active_connections: ctx.hub.open.size,
      total_messages_processed: framesAccepted + liveDeliveries + replayDeliveries,
    },
  };
}

/** Answers the stack-wide health probe (presence scatters it to every instance). */
export function serveHealthProbe(ctx: GatewayContext): BusSubscription {
  return ctx.bus.serve(subjects.healthProbe, () => gatewayHealth(ctx));
}
