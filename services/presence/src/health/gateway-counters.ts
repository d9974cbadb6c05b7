/** One gateway's processed-message count, as last reported to a health probe. */
export interface GatewayReport {
  readonly gatewayId: string;
  /** When this incarnation of the gateway started (ms since epoch, presence's estimate). */
  readonly startedAtMs: number;
  readonly messages: number;
}

/** Two reports of one gateway whose start times differ by more than this are two incarnations. */
export const RESTART_TOLERANCE_MS = 5_000;

/**
 * The `/healthz` total of processed messages: every gateway's last reported count, kept across
 * gateway restarts and presence instances. Redis (`RedisGatewayCounters`, shared) or this
 * process's memory (`MemoryGatewayCounters`, embedded mode); one contract suite
 * (test/gateway-counters.contract.ts).
 */
export interface GatewayCounters {
  /**
   * Records gateways' counts; resolves with the total over every gateway that ever reported. A
   * report whose start time moved by more than RESTART_TOLERANCE_MS is a new incarnation (the old
   * count is retired, not lost); within one incarnation the count only grows; gateways silent for
   * `retentionMs` are folded into the retired total.
   */
  record(reports: readonly GatewayReport[]): Promise<number>;
}

export interface GatewayCountersOptions {
  /** Gateways silent this long are folded into the retired total. */
  readonly retentionMs: number;
}

/** The options a service's config sets. */
export function gatewayCountersOptions(config: { GATEWAY_STATS_RETENTION_MS: number }): GatewayCountersOptions {
  return { retentionMs: config.GATEWAY_STATS_RETENTION_MS };
}

/** What a Redis deployment holds of the counters, held in this process: counters on one state are one deployment. */
export class MemoryGatewayState {
  readonly gateways = new Map<string, { startedAt: number; messages: number; reportedAt: number }>();
  retired = 0;
}

/** The counters in this process's memory (embedded mode): the rules of redis/lua/record-gateways.lua. */
export class MemoryGatewayCounters implements GatewayCounters {
  constructor(
    private readonly options: GatewayCountersOptions,
    private readonly state = new MemoryGatewayState(),
  ) {}

  async record(reports: readonly GatewayReport[]): Promise<number> {
    const now = Date.now();
    const { gateways } = this.state;
    for (const r of reports) {
      const started = Math.round(r.startedAtMs);
      const known = gateways.get(r.gatewayId);
      if (!known || Math.abs(known.startedAt - started) > RESTART_TOLERANCE_MS) {
        if (known) this.state.retired += known.messages;
        gateways.set(r.gatewayId, { startedAt: started, messages: r.messages, reportedAt: now });
      } else {
        gateways.set(r.gatewayId, { ...known, messages: Math.max(known.messages, r.messages), reportedAt: now });
      }
    }
    for (const [id, g] of gateways) {
      if (g.reportedAt <= now - this.options.retentionMs) {
        this.state.retired += g.messages;
        gateways.delete(id);
      }
    }
    let total = this.state.retired;
    for (const g of gateways.values()) total += g.messages;
    return total;
  }
}
