import type { Redis } from 'ioredis';
import { RESTART_TOLERANCE_MS, type GatewayCounters, type GatewayCountersOptions, type GatewayReport } from '../health/gateway-counters.js';
import type { PresenceKeys } from './keys.js';
import { defineScripts } from './scripts.js';

/** The gateway counters in Redis, shared by every presence instance: one script call (lua/record-gateways.lua) per collection. */
export class RedisGatewayCounters implements GatewayCounters {
  constructor(
    private readonly redis: Redis,
    private readonly keys: PresenceKeys,
    private readonly options: GatewayCountersOptions,
  ) {
    defineScripts(redis);
  }

  record(reports: readonly GatewayReport[]): Promise<number> {
    const args = reports.flatMap((r) => [r.gatewayId, Math.round(r.startedAtMs), r.messages]);
    return this.redis.presenceRecordGateways(this.keys.prefix, this.options.retentionMs, RESTART_TOLERANCE_MS, ...args);
  }
}
