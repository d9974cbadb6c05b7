import type { Logger } from '@parley/observability';
import { CLOSE_CODES } from '@parley/protocol';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { GatewayConfig } from '../config.js';
import type { Connection } from '../ws/connection.js';
import { defineLimitScripts, limitKeys } from './redis-scripts.js';
import { UserConnections } from './user-connections.js';
import { UserRateSync } from './user-rate.js';

/**
 * The per-user limits that hold across every gateway (connections per user, messages per user),
 * shared through Redis; see the gateway README, "Limits across gateways". The per-connection and
 * per-IP limits stay local: a connection lives on one gateway, and an address reaches the gateways
 * through the edge.
 */
export class ClusterLimits {
  readonly connections: UserConnections;
  readonly rate: UserRateSync;

  constructor(
    redis: Redis | undefined,
    private readonly config: GatewayConfig,
    instanceId: string,
    private readonly logger: Logger,
  ) {
    if (redis) defineLimitScripts(redis);
    const keys = limitKeys(config.REDIS_KEY_PREFIX);
    const rate = { perSec: config.WS_MESSAGE_RATE_PER_SEC, burst: config.WS_MESSAGE_BURST };
    const bootId = `${instanceId}.${randomBytes(4).toString('hex')}`;
    this.connections = new UserConnections(redis, keys, bootId, config.WS_CONNECTIONS_PER_USER, config.WS_CONNECTION_TTL_MS, rate, logger);
    this.rate = new UserRateSync(redis, keys, rate.perSec, rate.burst, logger);
  }

  start(): void {
    this.connections.start(this.config.WS_CONNECTION_REFRESH_MS);
    this.rate.start(this.config.WS_LIMITS_SYNC_MS);
  }

  stop(): void {
    this.connections.stop();
    this.rate.stop();
  }

  /**
   * The handshake's per-user connection cap: true when `conn` may proceed; otherwise it has been
   * answered (RATE_LIMIT_EXCEEDED, close 1008) or was closed meanwhile. The slot is given back by
   * {@link release} when the socket closes, whenever that is.
   */
  async admit(conn: Connection, userId: string): Promise<boolean> {
    const admission = await this.connections.admit(conn.id, userId);
    if (!conn.isIdentifying()) {
      this.connections.release(conn.id);
      return false;
    }
    if (!admission.ok) {
      const cap = this.config.WS_CONNECTIONS_PER_USER;
      const issue = `A user may hold at most ${cap} connections across all gateways`;
      this.logger.info({ conn_id: conn.id, user_id: userId, scope: admission.scope }, 'connection refused: per-user cap');
      conn.sendError('RATE_LIMIT_EXCEEDED', 'Too many connections for this user', { field: 'connections', issue, limit: cap });
      conn.closeWith(CLOSE_CODES.POLICY_VIOLATION);
      return false;
    }
    if (admission.tokens !== undefined) this.rate.seed(userId, admission.tokens);
    return true;
  }

  /** `conn`'s socket closed (admitted, refused, or still being admitted). Idempotent. */
  release(conn: Connection): void {
    this.connections.release(conn.id);
  }
}
