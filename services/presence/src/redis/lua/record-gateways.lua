-- ARGV: prefix, retention_ms, restart_tolerance_ms, then (gateway_id, started_at_ms, messages)*.
-- Keeps each gateway's last processed-message count. A report whose start time differs by more
-- than the tolerance is a new incarnation under the same id: the old count moves to the retired
-- total. Within one incarnation the count only grows (two presence instances' reports may land
-- out of order). Gateways silent for retention_ms are folded into the retired total. Returns the
-- sum of every gateway that ever reported.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tolerance = tonumber(ARGV[3])
for i = 4, #ARGV, 3 do
  local gid, started, messages = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = K_gateway(gid)
  local known = redis.call('HMGET', key, 'started_at', 'messages')
  if not known[1] then
    redis.call('HSET', key, 'started_at', started, 'messages', messages)
  elseif math.abs(tonumber(known[1]) - tonumber(started)) > tolerance then
    redis.call('INCRBY', K_retired(), known[2] or '0')
    redis.call('HSET', key, 'started_at', started, 'messages', messages)
  elseif tonumber(messages) > tonumber(known[2] or '0') then
    redis.call('HSET', key, 'messages', messages)
  end
  redis.call('ZADD', K_gateways(), now, gid)
end
for _, gid in ipairs(redis.call('ZRANGEBYSCORE', K_gateways(), '-inf', now - tonumber(ARGV[2]))) do
  redis.call('INCRBY', K_retired(), redis.call('HGET', K_gateway(gid), 'messages') or '0')
  redis.call('DEL', K_gateway(gid))
  redis.call('ZREM', K_gateways(), gid)
end
local total = tonumber(redis.call('GET', K_retired()) or '0')
for _, gid in ipairs(redis.call('ZRANGE', K_gateways(), 0, -1)) do
  total = total + tonumber(redis.call('HGET', K_gateway(gid), 'messages') or '0')
end
return total
