/**
 * The Redis key layout of presence: the only place keys are spelled, for TypeScript and for the
 * Lua scripts alike (the scripts get their key functions from {@link luaKeyFunctions}, generated
 * from the same table). Every key is `<prefix>:<template>`; `$` is a connection, room or gateway
 * id, all of which are `[A-Za-z0-9_-]` tokens, so keys never collide.
 *
 * Per connection:
 *   conn:$        HASH   gateway_id, session_id, user_id of a live connection
 *   conn:$:rooms  HASH   room_id → "in:<at>" | "out:<at>": the last join/leave applied (gateway ms),
 *                        a last-writer-wins register so events handled out of order converge
 *   gone:$        STRING tombstone of a closed or expired connection (PX = presence TTL): late
 *                        events for it are ignored instead of resurrecting a ghost
 * Indexes:
 *   expiry        ZSET   connection_id → expires-at (Redis clock, ms); the sweeper pops due ones
 *   room:$        HASH   user_id → number of that user's live connections in the room
 *                        (HLEN = distinct users: counts users, not tabs)
 *   online        HASH   user_id → number of that user's live connections anywhere
 *   offline:pending HASH user_id → when their last connection closed (ms), until the grace period
 *                        settles it (user.offline) or a connection of theirs opens (no event at all)
 * Stack health:
 *   gateway:$     HASH   started_at (ms), messages: the last processed count a gateway reported
 *   gateways      ZSET   gateway_id → last reported (ms)
 *   gateways:retired STRING messages of gateway incarnations that restarted or went silent
 */
const LAYOUT = {
  conn: 'conn:$',
  connRooms: 'conn:$:rooms',
  gone: 'gone:$',
  expiry: 'expiry',
  room: 'room:$',
  online: 'online',
  offlinePending: 'offline:pending',
  gateway: 'gateway:$',
  gateways: 'gateways',
  retired: 'gateways:retired',
} as const;

type Layout = typeof LAYOUT;
type Builder<T extends string> = T extends `${string}$${string}` ? (id: string) => string : () => string;

/** Key builders for one prefix. */
export type PresenceKeys = { readonly prefix: string } & { readonly [K in keyof Layout]: Builder<Layout[K]> };

const PREFIX = /^[A-Za-z0-9_:.-]{1,64}$/;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

export function presenceKeys(prefix: string): PresenceKeys {
  if (!PREFIX.test(prefix)) throw new Error(`invalid Redis key prefix: ${JSON.stringify(prefix)}`);
  const keys: Record<string, unknown> = { prefix };
  for (const [name, template] of Object.entries(LAYOUT)) {
    keys[name] = template.includes('$')
      ? (id: string) => {
          if (!ID.test(id)) throw new Error(`invalid id in a Redis key: ${JSON.stringify(id.slice(0, 80))}`);
          return `${prefix}:${template.replace('$', id)}`;
        }
      : () => `${prefix}:${template}`;
  }
  return Object.freeze(keys) as PresenceKeys;
}

/**
 * Lua: `local P = ARGV[1]` and one function per key, `K_<name>(id)`, mirroring
 * {@link presenceKeys}. Every script is called with the prefix as its first argument.
 */
export function luaKeyFunctions(): string {
  const lines = ['local P = ARGV[1]'];
  for (const [name, template] of Object.entries(LAYOUT)) {
    const [head = '', tail = ''] = template.split('$');
    const body = template.includes('$') ? `P .. ${luaString(`:${head}`)} .. id${tail ? ` .. ${luaString(tail)}` : ''}` : `P .. ${luaString(`:${template}`)}`;
    lines.push(`local function K_${name}(id) return ${body} end`);
  }
  return lines.join('\n');
}

/** The key names, for tests that check both layouts agree. */
export const KEY_NAMES = Object.freeze(Object.keys(LAYOUT) as (keyof Layout)[]);

function luaString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
