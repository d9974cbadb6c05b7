import type { TokenVerifier } from '@parley/auth';
import type { Bus } from '@parley/bus';
import type { Logger, Metrics } from '@parley/observability';
import type { ApiConfig } from './config.js';
import type { Db } from './db/db.js';

/** Everything buildApp needs, created (and closed) by main.ts or by a test. */
export interface ApiDeps {
  db: Db;
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
  /** Verifies Bearer JWTs (required with AUTH_REQUIRED; optional otherwise). */
  verifier?: TokenVerifier | undefined;
  config: Pick<ApiConfig, 'PUBLIC_WS_URL' | 'SESSION_TTL_MS' | 'AUTH_REQUIRED' | 'PRESENCE_TIMEOUT_MS'> &
    Partial<Pick<ApiConfig, 'GUEST_ROOM_CREATION' | 'WS_ALLOWED_ORIGINS' | 'CORS_ORIGINS'>>;
  instanceId: string;
  version: string;
}
