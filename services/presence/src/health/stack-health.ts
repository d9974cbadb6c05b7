import { subjects, type Bus } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { HealthResponse, InstanceHealth } from '@parley/protocol';
import type { PresenceMetrics } from '../metrics.js';
import type { GatewayCounters } from './gateway-counters.js';
import type { InstanceHealthCheck } from './instance-health.js';
import { summarize } from './rules.js';

export interface StackHealth {
  /**
   * The stack's health in the seed's shape. Asks every live instance over NATS and waits
   * `gatherMs` for answers — never longer, so a slow or dead instance cannot stall it (it just
   * counts as missing). Concurrent calls share one collection.
   */
  check(): Promise<HealthResponse>;
  /** Starts the background poll (if configured). */
  start(): void;
  /** Stops the background poll and waits for a collection in progress. */
  stop(): Promise<void>;
}

export interface StackHealthOptions {
  readonly gatherMs: number;
  /** Background collection period (records gateways' counts even when nobody asks); 0: never. */
  readonly pollIntervalMs: number;
  readonly version: string;
}

export function stackHealth(
  deps: { bus: Bus; counters: GatewayCounters; self: InstanceHealthCheck; logger: Logger; metrics: PresenceMetrics },
  options: StackHealthOptions,
): StackHealth {
  const { bus, counters, self, logger, metrics } = deps;
  let inFlight: Promise<HealthResponse> | undefined;
  // The last total Redis gave: while Redis is down the answer must not fall to the live gateways' sum.
  let lastTotal = 0;

  const gather = async (): Promise<InstanceHealth[]> => {
    try {
      const replies = await bus.gather(subjects.healthProbe, {}, { maxWaitMs: options.gatherMs });
      return replies.flatMap((r) => (r.ok ? [r.data] : []));
    } catch (err) {
      logger.debug({ err }, 'health probe failed');
      return [];
    }
  };

  const totalMessages = async (instances: readonly InstanceHealth[], own: InstanceHealth, now: number): Promise<number> => {
    const gateways = instances.filter((i) => i.service === 'gateway');
    const reports = gateways.map((g) => ({
      gatewayId: g.instance_id,
      startedAtMs: now - g.uptime_seconds * 1000,
      messages: g.metrics.total_messages_processed ?? 0,
    }));
    const live = reports.reduce((sum, r) => sum + r.messages, 0);
    // Redis just failed its check: do not wait a command timeout for it again.
    if (own.components['redis'] !== 'healthy') return Math.max(lastTotal, live);
    try {
      lastTotal = await counters.record(reports);
      return lastTotal;
    } catch (err) {
      logger.debug({ err }, 'gateway counts not recorded: redis unavailable');
      return Math.max(lastTotal, live);
    }
  };

  const collect = async (): Promise<HealthResponse> => {
    const [instances, own] = await Promise.all([gather(), self.check()]);
    const now = new Date();
    const report = summarize({
      self: own,
      instances,
      totalMessages: await totalMessages(instances, own, now.getTime()),
      version: options.version,
      now,
    });
    for (const service of ['api', 'gateway', 'presence'] as const) {
      metrics.stackInstances.set({ service }, instances.filter((i) => i.service === service).length);
    }
    metrics.healthz.inc({ status: report.status });
    return report;
  };

  const check = (): Promise<HealthResponse> => {
    inFlight ??= collect().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  let timer: NodeJS.Timeout | undefined;
  return {
    check,
    start() {
      if (options.pollIntervalMs <= 0 || timer) return;
      timer = setInterval(() => {
        check().catch((err: unknown) => logger.warn({ err }, 'background stack health collection failed'));
      }, options.pollIntervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await inFlight?.catch(() => undefined);
    },
  };
}
