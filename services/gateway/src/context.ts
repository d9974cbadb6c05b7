import type { TokenVerifier } from '@parley/auth';
import type { Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { Limits } from '@parley/protocol';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './health/metrics.js';
import type { Hub } from './ws/hub.js';
import type { RoomMembership } from './rooms/membership.js';
import type { ClusterLimits } from './limits/cluster-limits.js';
import type { OriginPolicy } from './limits/origin.js';
import type { PresenceReporter } from './presence/presence.js';
import type { StatsCollector } from './stats/stats.js';

/** Plain counters bumped on the hot path (a prom-client `inc` with labels costs a hash per call). */
export interface Counters {
  /** Valid client frames handled (every type). */
  framesAccepted: number;
  /** Chat messages written to sockets from live room traffic. */
  liveDeliveries: number;
  /** Chat messages written to sockets by a catch-up from history. */
  replayDeliveries: number;
}

/** What every part of one gateway instance shares; built once by buildApp. */
export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly limits: Limits;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly verifier: TokenVerifier | undefined;
  readonly hub: Hub;
  /** Per-user connection cap and message rate shared by every gateway. */
  readonly userLimits: ClusterLimits;
  readonly rooms: RoomMembership;
  readonly presence: PresenceReporter;
  readonly stats: StatsCollector;
  readonly origins: OriginPolicy;
  readonly instanceId: string;
  readonly version: string;
  readonly startedAt: number;
  readonly counters: Counters;
  /** Set once shutdown begins: upgrades are refused, new sessions are told to reconnect elsewhere. */
  draining: boolean;
}
