import type { TokenVerifier } from '@parley/auth';
import type { Bus } from '@parley/bus';
import type { Logger, Metrics } from '@parley/observability';
import type { Redis } from '@parley/redis';
import type { GatewayConfig } from './config.js';
import type { HistorySource } from './rooms/history.js';

/** Everything buildApp needs, created (and closed) by main.ts or by a test. */
export interface GatewayDeps {
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
  /** Present when tokens are accepted (JWT_SECRET or JWT_JWKS_URL); required with AUTH_REQUIRED. */
  verifier?: TokenVerifier | undefined;
  /**
   * Where the per-user limits are shared with other gateways (fail-fast options: `createRedis`).
   * Unreachable, or absent (embedded mode: the only gateway): limits hold per gateway.
   */
  redis?: Redis | undefined;
  config: GatewayConfig;
  instanceId: string;
  version: string;
  /** Where catch-up reads missed messages; defaults to the API's history over the bus. */
  history?: HistorySource;
}
