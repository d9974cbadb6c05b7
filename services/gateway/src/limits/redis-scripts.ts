import type { Redis, Result } from 'ioredis';

/**
 * The Redis side of the per-user limits every gateway shares. Keys (the only place they are spelled):
 *
 *   <prefix>:conns:<user_id>  ZSET  one member per live connection (`<gateway boot id>:<conn id>`),
 *                                   scored by when it expires unless its gateway refreshes it
 *   <prefix>:rate:<user_id>   HASH  t: the user's cluster token bucket content (may be negative: a
 *                                   debt), at: when it was computed (Redis clock, ms)
 *
 * Both keys expire by themselves (the last connection's expiry; the time the bucket is full again),
 * so a crashed gateway leaves nothing behind for longer than the connection TTL.
 * Scripts take their keys in KEYS and run atomically, so two gateways admitting the same user's
 * connections at once cannot both take the last slot.
 */
export function limitKeys(prefix: string) {
  return {
    conns: (userId: string) => `${prefix}:conns:${userId}`,
    rate: (userId: string) => `${prefix}:rate:${userId}`,
  };
}

export type LimitKeys = ReturnType<typeof limitKeys>;

const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The bucket's content now (refilled since it was last written), and whether the key exists.
local function bucket(key, rate, burst, now)
  local v = redis.call('HMGET', key, 't', 'at')
  if not v[1] then return burst end
  return math.min(burst, tonumber(v[1]) + math.max(0, now - tonumber(v[2])) * rate / 1000)
end

-- The key lives until the last member would expire.
local function expire_with_last(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', key, last[2]) end
end
`;

/**
 * KEYS: conns, rate. ARGV: member, cap, ttl_ms, rate_per_sec, burst.
 * Drops expired members, then admits `member` unless the user already holds `cap` others.
 * Returns {admitted (1/0), connections after, the user's bucket content as a string}.
 */
const ADMIT = `
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
local tokens = tostring(bucket(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), now))
if count >= tonumber(ARGV[2]) and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return {0, count, tokens}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
expire_with_last(KEYS[1])
return {1, redis.call('ZCARD', KEYS[1]), tokens}
`;

/**
 * KEYS: one conns key per member. ARGV: ttl_ms, then the members in KEYS order.
 * Every listed connection lives ttl_ms more; one missing (Redis restarted, or the gateway admitted
 * it alone during an outage) is added back: the gateway's list is the truth.
 */
const REFRESH = `
local expires = now_ms() + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, expires, ARGV[i + 1])
  expire_with_last(key)
end
return #KEYS
`;

/**
 * KEYS: one rate key per user. ARGV: rate_per_sec, burst, then the tokens each user spent on this
 * gateway since its last report, in KEYS order. Refills each bucket to now, takes what was spent
 * (a bucket may go below zero: frames other gateways let through before they heard), and returns
 * each bucket's content as a string (Lua numbers would be truncated to integers).
 */
const SPEND = `
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = now_ms()
local out = {}
for i, key in ipairs(KEYS) do
  local tokens = bucket(key, rate, burst, now) - tonumber(ARGV[i + 2])
  redis.call('HSET', key, 't', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) * 1000 / rate) + 1000)
  out[i] = tostring(tokens)
end
return out
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    limitsAdmit(
      connsKey: string,
      rateKey: string,
      member: string,
      cap: number,
      ttlMs: number,
      rate: number,
      burst: number,
    ): Result<[number, number, string], Context>;
    limitsRefresh(numKeys: number, ...keysThenArgs: (string | number)[]): Result<number, Context>;
    limitsSpend(numKeys: number, ...keysThenArgs: (string | number)[]): Result<string[], Context>;
  }
}

/** Registers the scripts on `redis` (EVALSHA, falling back to EVAL after Redis lost its script cache). */
export function defineLimitScripts(redis: Redis): void {
  redis.defineCommand('limitsAdmit', { numberOfKeys: 2, lua: PRELUDE + ADMIT });
  redis.defineCommand('limitsRefresh', { lua: PRELUDE + REFRESH });
  redis.defineCommand('limitsSpend', { lua: PRELUDE + SPEND });
}
