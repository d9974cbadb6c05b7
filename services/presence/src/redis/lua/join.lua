-- ARGV: prefix, connection_id, gateway_id, session_id, user_id, room_id, at, ttl_ms.
local cid = ARGV[2]
local user = open(cid, ARGV[3], ARGV[4], ARGV[5])
if not user then return out end
redis.call('ZADD', K_expiry(), 'GT', now_ms() + tonumber(ARGV[8]), cid)
set_room(cid, user, ARGV[6], true, ARGV[7], false)
return out
