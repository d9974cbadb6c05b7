-- ARGV: prefix, connection_id, gateway_id, session_id, user_id, ttl_ms. Extends, never shortens, the expiry.
local user = open(ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if user then redis.call('ZADD', K_expiry(), 'GT', now_ms() + tonumber(ARGV[6]), ARGV[2]) end
return out
