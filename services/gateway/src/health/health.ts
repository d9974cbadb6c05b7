import type { ComponentStatus } from '@parley/protocol';
import type { HealthParts } from '@parley/service';
import type { GatewayContext } from '../context.js';

/**
 * This instance's health besides NATS: `websocket` (accepting connections: `unhealthy` once
 * draining). `total_messages_processed` counts client frames accepted (every valid frame,
 * heartbeats included) plus chat messages delivered to sockets (live and replayed): the frames
 * this instance handled since it started.
 */
export function gatewayHealth(ctx: GatewayContext): HealthParts {
  const websocket: ComponentStatus = ctx.draining ? 'unhealthy' : 'healthy';
  const { framesAccepted, liveDeliveries, replayDeliveries } = ctx.counters;
  return {
    components: { websocket },
    metrics: {
      active_connections: ctx.hub.open.size,
      total_messages_processed: framesAccepted + liveDeliveries + replayDeliveries,
    },
  };
}
