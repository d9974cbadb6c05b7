import websocket from '@fastify/websocket';
import { WS_SUBPROTOCOL } from '@parley/protocol';
import { createServiceApp } from '@parley/service';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { limitsOf } from './config.js';
import type { GatewayContext } from './context.js';
import type { GatewayDeps } from './deps.js';
import { busHistory } from './rooms/history.js';
import { gatewayHealth } from './health/health.js';
import { createGatewayMetrics } from './health/metrics.js';
import { Hub } from './ws/hub.js';
import { RoomMembership } from './rooms/membership.js';
import { serveSessionControl, serveUserControl } from './rooms/session-control.js';
import { ClusterLimits } from './limits/cluster-limits.js';
import { FrameRate } from './limits/frame-rate.js';
import { startPingSweep } from './limits/ping-sweep.js';
import { OriginPolicy } from './limits/origin.js';
import { TypingLimit } from './limits/typing-limit.js';
import { PresenceReporter } from './presence/presence.js';
import { StatsCollector } from './stats/stats.js';
import { GatewaySocket, type Connection, type ConnectionHost } from './ws/connection.js';
import { onFrame } from './ws/dispatch.js';
import { drainConnections } from './ws/drain.js';
import { acceptConnection } from './ws/handshake.js';
import { upgradeGuard } from './ws/upgrade-guard.js';

/**
 * The gateway: WebSocket endpoints, fan-out of room traffic, presence and statistics reports,
 * health. No env, no process: main.ts (or a test) hands it real clients and closes them after
 * `app.close()`, which tells every client to reconnect, closes them with 1012, flushes statistics
 * and ends every subscription.
 */
export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const { config, bus, logger } = deps;
  const shell = createServiceApp({
    bus,
    logger,
    metrics: deps.metrics,
    health: { service: 'gateway', instanceId: deps.instanceId, version: deps.version, check: () => gatewayHealth(ctx) },
    server: {
      trustProxy: config.TRUSTED_PROXIES.length > 0 ? [...config.TRUSTED_PROXIES] : false,
      // A TCP connection that never completes a request; ws resets the timeout to 0 once upgraded.
      connectionTimeout: config.WS_IDLE_TIMEOUT_MS,
      requestTimeout: Math.max(15_000, config.WS_HANDSHAKE_TIMEOUT_MS + 1_000),
      // headersTimeout is only enforced every connectionsCheckingInterval (Node's default: 30 s).
      http: { headersTimeout: config.WS_HANDSHAKE_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
      bodyLimit: 16 * 1024,
      // fastify's own 503-while-closing answers an upgrade request before any hook runs, so nobody
      // destroys that socket and close() waits on it forever; upgradeGuard answers 503 instead.
      return503OnClosing: false,
    },
  });
  const { app } = shell;

  const counters = { framesAccepted: 0, liveDeliveries: 0, replayDeliveries: 0 };
  const metrics = createGatewayMetrics(deps.metrics, () => ({ live: counters.liveDeliveries, replay: counters.replayDeliveries }));
  const userLimits = new ClusterLimits(deps.redis, config, deps.instanceId, logger);
  const frameRate = new FrameRate(config.WS_MESSAGE_RATE_PER_SEC, config.WS_MESSAGE_BURST, userLimits.rate);
  const hub = new Hub((userId) => frameRate.forUser(userId));
  const history = deps.history ?? busHistory(bus, config.API_TIMEOUT_MS);
  const presence = new PresenceReporter(bus, logger, hub, deps.instanceId, config.PRESENCE_REFRESH_MS, config.PRESENCE_TTL_MS);
  const rooms = new RoomMembership({
    bus,
    logger,
    metrics,
    presence,
    catchUp: { history, logger, maxReplay: config.CATCHUP_MAX_MESSAGES, holeGraceMs: config.CATCHUP_HOLE_GRACE_MS },
    roomsPerConnection: config.WS_ROOMS_PER_CONNECTION,
    roomTypingPerSec: config.WS_TYPING_ROOM_RATE_PER_SEC,
    apiTimeoutMs: config.API_TIMEOUT_MS,
  });
  const stats = new StatsCollector(bus, logger, hub, deps.instanceId, config.STATS_INTERVAL_MS);
  // The one close listener of every connection; the hub goes last, since it knows whether the
  // connection was identified (and so has statistics and presence to settle).
  const closed = (conn: Connection): void => {
    rooms.disconnect(conn);
    if (hub.open.has(conn)) {
      stats.closed(conn);
      presence.disconnect(conn);
    }
    hub.remove(conn);
    metrics.connections.set(hub.all.size);
    userLimits.release(conn);
  };
  // ws closes protocol violations itself (1002, 1007, 1008, 1009) and a reset socket is gone:
  // nothing to terminate, only to count.
  const socketError = (error: Error): void => {
    metrics.closes.inc({ reason: (error as { code?: string }).code ?? 'unknown' });
    logger.debug({ err: error }, 'websocket error');
  };
  const connectionHost: ConnectionHost = {
    limits: config,
    frameRate,
    logger,
    metrics,
    counters,
    frame: (conn, data, isBinary) => onFrame(ctx, conn, data, isBinary),
    socketError,
    closed,
  };
  const ctx: GatewayContext = {
    config,
    limits: limitsOf(config),
    bus,
    logger,
    metrics,
    verifier: deps.verifier,
    hub,
    connectionHost,
    userLimits,
    typing: new TypingLimit(config.WS_TYPING_RATE_PER_SEC, config.WS_TYPING_BURST, metrics),
    rooms,
    presence,
    origins: new OriginPolicy(config.WS_ALLOWED_ORIGINS),
    instanceId: deps.instanceId,
    version: deps.version,
    counters,
    draining: false,
  };

  await app.register(websocket, {
    options: {
      maxPayload: config.WS_MAX_PAYLOAD_BYTES,
      maxFragments: config.WS_MAX_FRAGMENTS,
      perMessageDeflate: false,
      // @types/ws declares this option as ws's class together with the module's statics.
      ...({ WebSocket: GatewaySocket } as object),
      // The hub tracks sockets; ws's own Set would be a second copy of every reference.
      clientTracking: false,
      // A client may offer `parley.v1, parley.token.<jwt>`: select the protocol, never echo the token.
      handleProtocols: (protocols: Set<string>) => (protocols.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
      // A ws 8.23 option that @types/ws 8.18 does not declare yet.
      ...({ closeTimeout: config.WS_CLOSE_TIMEOUT_MS } as object),
    },
    // The default preClose closes with no code (clients see 1005) and stops routing upgrades;
    // this one keeps routing them (to a 503) and closes every client with a reconnect hint and 1012.
    preClose: () => drainConnections(ctx, Math.min(config.WS_CLOSE_TIMEOUT_MS, Math.max(100, config.SHUTDOWN_GRACE_MS / 2))),
    errorHandler: socketError,
  });

  await app.register(async (scope) => {
    scope.addHook('onRequest', upgradeGuard(ctx));
    // An upgrade logs through the service's logger, not a per-request child with a reqId: pino's
    // child() runs every redaction path over its bindings, ~8 KiB of garbage per handshake (a
    // seventh of what one allocates), and the reqId of a request that never completes ties nothing.
    const handler = { websocket: true, childLoggerFactory: (logger: FastifyBaseLogger) => logger } as const;
    scope.get('/ws/chat/', handler, (socket, request) => acceptConnection(socket, request, ctx));
    scope.get('/ws/chat/:room_id/', handler, (socket, request) => acceptConnection(socket, request, ctx));
  });

  shell.serve(serveSessionControl(bus, hub, rooms), serveUserControl(bus, hub, rooms));
  let stopSweep: (() => void) | undefined;
  shell.run(
    { start: () => void (stopSweep = startPingSweep(hub, config.WS_PING_INTERVAL_MS, config.WS_PONG_TIMEOUT_MS)), stop: () => stopSweep?.() },
    presence,
    // The last statistics leave before the bus drains.
    { start: () => stats.start(), stop: () => (stats.stop(), stats.flush(true)) },
    userLimits,
    { drained: () => rooms.close() },
  );
  return app;
}
