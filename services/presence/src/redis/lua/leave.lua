-- ARGV: prefix, connection_id, room_id, at, ttl_ms. A leave that overtook its connection's
-- connect/join is remembered (an "out" register with an expiry), so the older join is ignored
-- when it arrives; the sweeper drops the marker if nothing else follows.
local cid = ARGV[2]
if redis.call('EXISTS', K_gone(cid)) == 1 then return out end
local user = redis.call('HGET', K_conn(cid), 'user_id')
if not user then redis.call('ZADD', K_expiry(), 'NX', now_ms() + tonumber(ARGV[5]), cid) end
set_room(cid, user, ARGV[3], false, ARGV[4], false)
return out
