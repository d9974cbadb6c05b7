import type { WebSocket } from '@fastify/websocket';
import { CLOSE_CODES, RoomIdSchema, tokenFromSubprotocols } from '@parley/protocol';
import type { FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.js';
import { Connection, type GatewaySocket } from './connection.js';
import { identify, type HandshakeParams } from './identify.js';
import { releaseUpgrade } from './release-upgrade.js';

let nextId = 0;

/**
 * A socket was upgraded: register it and queue its handshake. Frames that arrive meanwhile wait
 * behind it on the connection's queue, so the welcome is always the first frame a client sees.
 */
export function acceptConnection(socket: WebSocket, request: FastifyRequest, ctx: GatewayContext): void {
  // GatewaySocket: app.ts makes ws create every socket with that class.
  const conn = new Connection(socket as GatewaySocket, ctx.connectionHost, `${ctx.instanceId}-${(++nextId).toString(36)}`, request.ip);
  const params = handshakeParams(request);
  releaseUpgrade(socket, request);
  ctx.hub.accept(conn);
  ctx.metrics.connections.set(ctx.hub.all.size);
  // The pre-upgrade check ran a few microtasks ago; a burst of parallel upgrades can slip past it.
  if (ctx.hub.ipCount(conn.ip) > ctx.config.WS_CONNECTIONS_PER_IP) {
    conn.sendError('RATE_LIMIT_EXCEEDED', 'Too many connections from this address', { field: 'connections' });
    return conn.closeWith(CLOSE_CODES.TRY_AGAIN_LATER);
  }
  conn.enqueue(() => establish(ctx, conn, params));
}

function first(value: unknown): string | undefined {
  const v = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function handshakeParams(request: FastifyRequest): HandshakeParams {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const protocols = request.headers['sec-websocket-protocol'];
  return {
    // The header keeps the token out of URLs (and so out of access logs and browser history).
    token: first(query['token']) ?? (protocols === undefined ? undefined : tokenFromSubprotocols(protocols.split(',').map((p) => p.trim()))),
    sessionId: first(query['session_id']),
    roomId: first(params['room_id']) ?? first(query['room_id']),
  };
}

async function establish(ctx: GatewayContext, conn: Connection, params: HandshakeParams): Promise<void> {
  const identity = await identify(params, ctx);
  if (!conn.isIdentifying()) return;
  if (!identity.ok) {
    ctx.logger.info({ conn_id: conn.id, reason: identity.error.error_message }, 'connection refused');
    conn.sendError(identity.error);
    return conn.closeWith(identity.close);
  }
  const { session } = identity;
  conn.sessionId = session.session_id;
  if (ctx.draining) return conn.restart();
  if (!(await ctx.userLimits.admit(conn, session.user_id))) return;
  conn.markOpen(session.session_id, session.user_id);
  if (identity.tokenExpiresAt !== undefined) conn.expireTokenAt(identity.tokenExpiresAt);
  conn.userBucket = ctx.hub.identify(conn);
  ctx.presence.connect(conn);

  const roomValid = params.roomId === undefined || RoomIdSchema.safeParse(params.roomId).success;
  const wanted = [...new Set([...(roomValid && params.roomId ? [params.roomId] : []), ...session.rooms])];
  const joins = await Promise.all(
    wanted.slice(0, ctx.config.WS_ROOMS_PER_CONNECTION).map(async (roomId) => ({ roomId, outcome: await ctx.rooms.join(conn, roomId) })),
  );
  if (!conn.isOpen()) return;
  const joinedByPath = joins.some((j) => j.roomId === params.roomId && j.outcome.ok);
  const unread: Record<string, number> = {};
  const readSeq: Record<string, number> = {};
  for (const { roomId, outcome } of joins) {
    if (!outcome.ok || !outcome.read) continue;
    unread[roomId] = outcome.read.unread;
    readSeq[roomId] = outcome.read.read_seq;
  }
  conn.sendFrame('system_message', {
    action: 'welcome',
    session_id: session.session_id,
    user_id: session.user_id,
    heartbeat_interval_ms: ctx.config.WS_PING_INTERVAL_MS,
    limits: ctx.limits,
    rooms: joins.filter((j) => j.outcome.ok).map((j) => j.roomId),
    ...(joinedByPath ? { room_name: params.roomId } : {}),
    unread,
    read_seq: readSeq,
  });
  for (const { roomId, outcome } of joins) {
    if (outcome.ok) ctx.rooms.announce(conn, roomId, outcome);
    else if (roomId === params.roomId) conn.sendError({ ...outcome.error, details: { ...outcome.error.details, field: 'room_id', room_id: roomId } });
    else ctx.logger.debug({ conn_id: conn.id, room_id: roomId, error: outcome.error.error_code }, 'could not rejoin a session room');
  }
  if (!roomValid) {
    conn.sendError('VALIDATION_ERROR', 'Invalid message format', { field: 'room_id', issue: 'Room id must match ^[a-z0-9][a-z0-9_-]{0,63}$' });
  }
}
