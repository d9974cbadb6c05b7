import type { SessionInfo, SessionResponse, SessionStatus } from '@parley/protocol';
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/db.js';
import type { SessionRow } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';
import { findSession, insertSession, sessionRooms } from './sessions.repository.js';

export function sessionStatus(row: SessionRow, now = new Date()): SessionStatus {
  if (row.closed_at !== null) return 'closed';
  return row.expires_at <= now ? 'expired' : 'active';
}

export function toSessionResponse(row: SessionRow, messagesSent: number): SessionResponse {
  return {
    session_id: row.session_id,
    user_id: row.user_id,
    status: sessionStatus(row),
    created_at: row.created_at.toISOString(),
    last_activity: row.last_activity.toISOString(),
    preferences: row.preferences as SessionResponse['preferences'],
    statistics: {
      messages_sent: messagesSent,
      messages_received: row.messages_received,
      connection_time_seconds: Math.floor(row.connection_seconds),
    },
  };
}

/** The session, or SESSION_NOT_FOUND. */
export async function getSession(db: Db, sessionId: string): Promise<SessionRow> {
  const row = await findSession(db, sessionId);
  if (!row) throw new ApiError('SESSION_NOT_FOUND', `Session '${sessionId}' does not exist`);
  return row;
}

/** The session if it is usable right now: unknown, expired or closed → AUTHENTICATION_ERROR. */
export async function activeSession(db: Db, sessionId: string): Promise<SessionRow> {
  const row = await findSession(db, sessionId);
  if (!row || sessionStatus(row) !== 'active') {
    throw new ApiError('AUTHENTICATION_ERROR', 'Session is unknown, expired or closed');
  }
  return row;
}

export interface ResolveOptions {
  ttlMs: number;
}

/**
 * Which session a new connection uses: an existing one (which must be active and, when the
 * gateway verified a token, belong to its `sub`), a new one for a verified user, or a guest.
 */
export async function resolveSession(
  db: Db,
  request: { mode: 'session'; session_id: string; user_id?: string | undefined } | { mode: 'user'; user_id: string } | { mode: 'guest' },
  { ttlMs }: ResolveOptions,
): Promise<SessionInfo> {
  let row: SessionRow;
  if (request.mode === 'session') {
    row = await activeSession(db, request.session_id);
    if (request.user_id !== undefined && request.user_id !== row.user_id) {
      throw new ApiError('AUTHENTICATION_ERROR', 'Session belongs to another user');
    }
  } else if (request.mode === 'user') {
    row = await insertSession(db, { user_id: request.user_id, ttl_ms: ttlMs });
  } else {
    row = await insertSession(db, { user_id: `guest-${randomBytes(6).toString('hex')}`, is_guest: true, ttl_ms: ttlMs });
  }
  return {
    session_id: row.session_id,
    user_id: row.user_id,
    status: sessionStatus(row),
    expires_at: row.expires_at.toISOString(),
    rooms: await sessionRooms(db, row.session_id),
  };
}
