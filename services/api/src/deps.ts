import type { TokenVerifier } from '@parley/auth';
import type { Bus } from '@parley/bus';
import type { Logger, Metrics } from '@parley/observability';
import type { Redis } from '@parley/redis';
import type { ApiConfig } from './config.js';
import type { Db } from './db/db.js';
import type { WebhookEngine } from './webhooks/webhooks.js';

type RestLimitKey =
  'TRUSTED_PROXIES' | 'REDIS_KEY_PREFIX' | 'REST_RATE_LIMIT_WINDOW_MS' | 'REST_RATE_LIMIT_IP_MAX' | 'REST_RATE_LIMIT_USER_MAX' | 'REST_RATE_LIMIT_KEY_MAX';

/** Everything buildApp needs, created (and closed) by main.ts or by a test. */
export interface ApiDeps {
  db: Db;
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
  /** Verifies Bearer JWTs (required with AUTH_REQUIRED; optional otherwise). */
  verifier?: TokenVerifier | undefined;
  /** Shares the REST rate-limit counts between api instances; absent (embedded mode) or unreachable: each instance counts alone. */
  redis?: Redis | undefined;
  config: Pick<ApiConfig, 'PUBLIC_WS_URL' | 'SESSION_TTL_MS' | 'AUTH_REQUIRED' | 'PRESENCE_TIMEOUT_MS' | RestLimitKey> &
    Partial<
      Pick<
        ApiConfig,
        | 'GUEST_ROOM_CREATION'
        | 'WS_ALLOWED_ORIGINS'
        | 'CORS_ORIGINS'
        | 'MESSAGE_EDIT_WINDOW_MS'
        | 'MESSAGE_MAX_REACTIONS'
        | 'READ_RECEIPTS_MAX_MEMBERS'
        | 'ROOM_HEADS_INTERVAL_MS'
      >
    >;
  /** Relays, fans out and delivers webhook events (JetStream); absent (embedded mode, WEBHOOKS_ENABLED=false): no webhooks. */
  webhooks?: WebhookEngine | undefined;
  instanceId: string;
  version: string;
  /**
   * The database URL for the publish relay's own connection (LISTEN and its lock): publishing in
   * commit order across api instances (messages/relay.ts). Absent: each instance publishes its
   * own commits (one instance only, e.g. embedded mode).
   */
  publishRelayUrl?: string | undefined;
}
