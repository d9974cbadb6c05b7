-- ARGV: prefix, limit, tombstone_ms. Closes up to `limit` connections whose expiry is due. Returns {closed, changes}.
local due = redis.call('ZRANGEBYSCORE', K_expiry(), '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
for _, cid in ipairs(due) do close(cid, ARGV[3]) end
return {#due, out}
