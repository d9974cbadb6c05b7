import type { TokenVerifier } from '@parley/auth';
import type { Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { Limits } from '@parley/protocol';
import type { GatewayConfig } from './config.js';
import type { Counters, GatewayMetrics } from './health/metrics.js';
import type { ClusterLimits } from './limits/cluster-limits.js';
import type { OriginPolicy } from './limits/origin.js';
import type { TypingLimit } from './limits/typing-limit.js';
import type { PresenceReporter } from './presence/presence.js';
import type { RoomMembership } from './rooms/membership.js';
import type { ConnectionHost } from './ws/connection.js';
import type { Hub } from './ws/hub.js';

/** What every part of one gateway instance shares; built once by buildApp. */
export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly limits: Limits;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly verifier: TokenVerifier | undefined;
  readonly hub: Hub;
  readonly connectionHost: ConnectionHost;
  /** Per-user connection cap and message rate shared by every gateway. */
  readonly userLimits: ClusterLimits;
  /** Typing frames' own limit (never chat tokens). */
  readonly typing: TypingLimit;
  readonly rooms: RoomMembership;
  readonly presence: PresenceReporter;
  readonly origins: OriginPolicy;
  readonly instanceId: string;
  readonly version: string;
  readonly counters: Counters;
  /** Set once shutdown begins: upgrades are refused, new sessions are told to reconnect elsewhere. */
  draining: boolean;
}
