import type { TokenBucket } from '../limits/token-bucket.js';
import type { Connection } from './connection.js';

interface UserEntry {
  /** The user's connections on this gateway (membership changes reach every one of them). */
  readonly conns: Connection[];
  /** Shared by the user's connections on this gateway (the per-user rate limit). */
  readonly bucket: TokenBucket;
}

/** Drops `conn` from a short list (a user's or a session's few sockets); true when it was there. */
function without(list: Connection[], conn: Connection): boolean {
  const i = list.indexOf(conn);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

/**
 * The local registry: every socket of this gateway, and the indexes the limits and REST
 * follow-ups need (IP → count, user → connections and rate bucket, session → connections).
 * Counts here are this gateway's; the per-user cap and rate across gateways are limits/cluster-limits.ts.
 * A user's and a session's sockets are arrays, not Sets: they hold one or a few, and a Set's own
 * hash table cost about 190 bytes each, two per connection for guests.
 */
export class Hub {
  /** Every accepted socket, identified or not (drain and the ping sweep walk this). */
  readonly all = new Set<Connection>();
  /** Identified connections (a session is resolved and the welcome is sent or about to be). */
  readonly open = new Set<Connection>();
  private readonly byIp = new Map<string, number>();
  private readonly byUser = new Map<string, UserEntry>();
  private readonly bySession = new Map<string, Connection[]>();

  /** `newUserBucket`: the rate bucket of a user new on this gateway (shared across gateways by limits/). */
  constructor(private readonly newUserBucket: (userId: string) => TokenBucket) {}

  ipCount(ip: string): number {
    return this.byIp.get(ip) ?? 0;
  }

  userCount(userId: string): number {
    return this.byUser.get(userId)?.conns.length ?? 0;
  }

  userConnections(userId: string): readonly Connection[] {
    const user = this.byUser.get(userId);
    return user ? [...user.conns] : [];
  }

  /** A socket was accepted (before its session is known). */
  accept(conn: Connection): void {
    this.all.add(conn);
    this.byIp.set(conn.ip, this.ipCount(conn.ip) + 1);
  }

  /** Its session is resolved: index it by user and session; returns the user's shared bucket. */
  identify(conn: Connection): TokenBucket {
    this.open.add(conn);
    const user = this.byUser.get(conn.userId);
    const sessions = this.bySession.get(conn.sessionId);
    if (sessions) sessions.push(conn);
    else this.bySession.set(conn.sessionId, [conn]);
    if (user) {
      user.conns.push(conn);
      return user.bucket;
    }
    const bucket = this.newUserBucket(conn.userId);
    this.byUser.set(conn.userId, { conns: [conn], bucket });
    return bucket;
  }

  /** The socket closed: drop it from every index. Idempotent. */
  remove(conn: Connection): void {
    if (!this.all.delete(conn)) return;
    const ipCount = this.ipCount(conn.ip) - 1;
    if (ipCount > 0) this.byIp.set(conn.ip, ipCount);
    else this.byIp.delete(conn.ip);
    if (!this.open.delete(conn)) return;
    const user = this.byUser.get(conn.userId);
    if (user && without(user.conns, conn) && user.conns.length === 0) this.byUser.delete(conn.userId);
    const sessions = this.bySession.get(conn.sessionId);
    if (sessions && without(sessions, conn) && sessions.length === 0) this.bySession.delete(conn.sessionId);
  }

  sessionConnections(sessionId: string): readonly Connection[] {
    const sessions = this.bySession.get(sessionId);
    return sessions ? [...sessions] : [];
  }
}
