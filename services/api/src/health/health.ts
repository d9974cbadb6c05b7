import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import { checkWithTimeout, type Logger } from '@parley/observability';
import { worstStatus, type ComponentStatus, type InstanceHealth } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/db.js';

const CHECK_TIMEOUT_MS = 1_000;

export interface ApiHealth {
  /** This instance's own dependencies: Postgres and NATS. */
  check(): Promise<InstanceHealth>;
}

export function apiHealth(deps: { db: Db; bus: Bus; logger: Logger; instanceId: string; version: string; startedAt: number }): ApiHealth {
  const { db, bus, logger } = deps;
  return {
    async check() {
      const database = await checkWithTimeout(
        'database',
        async () => {
          await sql`SELECT 1`.execute(db);
        },
        CHECK_TIMEOUT_MS,
        { onFailure: (f) => logger.warn({ err: f.error, reason: f.reason }, 'database check failed') },
      );
      const nats: ComponentStatus = bus.isConnected() ? 'healthy' : 'unhealthy';
      return {
        service: 'api',
        instance_id: deps.instanceId,
        version: deps.version,
        status: worstStatus([database, nats]),
        uptime_seconds: Math.floor((Date.now() - deps.startedAt) / 1000),
        components: { database, nats },
        metrics: {},
      };
    },
  };
}

/** Answers the stack-wide health probe (presence scatters it to every instance). */
export function serveHealthProbe(bus: Bus, health: ApiHealth): BusSubscription {
  return bus.serve(subjects.healthProbe, () => health.check());
}
