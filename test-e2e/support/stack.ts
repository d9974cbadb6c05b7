import { createTestDatabase, serviceUrl, uniqueId, type TestDatabase } from '@parley/testing';
import { startStack, type Instance, type Stack } from '@parley/tools/stack';

export const JWT_SECRET = 'e2e-secret-that-is-at-least-32-bytes-long';

export interface TestStack extends Stack {
  /** http://127.0.0.1:<edge port> */
  url: string;
  /** ws://127.0.0.1:<edge port>/ws/chat/ */
  wsUrl: string;
  db: TestDatabase;
  of(kind: Instance['kind']): Instance[];
  /** JSON over the edge. */
  rest<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Everything every process wrote (for failure reports). */
  logs(): string;
}

/** Where one test file's stack keeps its state: its database, and NATS and Redis prefixes of its own. */
export function isolatedEnv(db: TestDatabase): Record<string, string> & { DATABASE_URL: string } {
  return {
    DATABASE_URL: db.url,
    NATS_URL: serviceUrl('nats'),
    REDIS_URL: serviceUrl('redis'),
    BUS_SUBJECT_PREFIX: uniqueId('e2e'),
    REDIS_KEY_PREFIX: uniqueId('e2e'),
  };
}

/** Timers shortened so statistics and presence move within a test's patience. */
export const TEST_TIMERS: Readonly<Record<string, string>> = {
  JWT_SECRET,
  STATS_INTERVAL_MS: '300',
  PRESENCE_REFRESH_MS: '1000',
  HEALTH_POLL_INTERVAL_MS: '500',
  // A loaded 2-core CI machine can take longer than the default 500 ms to answer a probe.
  HEALTH_GATHER_MS: '2000',
  SHUTDOWN_GRACE_MS: '8000',
  RECONNECT_JITTER_MS: '300',
};

/** JSON requests to `base` (the edge). */
export function restClient(base: string) {
  return async <T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (res.status === 204 ? null : await res.json()) as T };
  };
}

/**
 * The stack as processes behind the local edge, isolated for one test file: a database of its
 * own, and its own NATS subject prefix and Redis key prefix. Timers are shortened so statistics
 * and presence move within a test's patience.
 */
export async function startTestStack(
  counts: { apis?: number; gateways?: number; presences?: number } = {},
  env: Record<string, string> = {},
): Promise<TestStack> {
  const db = await createTestDatabase('parley_e2e');
  let logs = '';
  const stack = await startStack({
    apis: counts.apis ?? 2,
    gateways: counts.gateways ?? 2,
    presences: counts.presences ?? 2,
    env: {
      ...isolatedEnv(db),
      ...TEST_TIMERS,
      LOG_LEVEL: 'warn',
      ...env,
    },
    onLine: (name, line) => {
      logs = `${logs}${name} | ${line}\n`.slice(-200_000);
    },
  });
  const url = stack.edge.url;
  return {
    ...stack,
    url,
    wsUrl: `${url.replace('http', 'ws')}/ws/chat/`,
    db,
    of: (kind) => stack.instances.filter((i) => i.kind === kind),
    rest: restClient(url),
    logs: () => logs,
    async close() {
      await stack.close();
      await db.drop();
    },
  };
}
