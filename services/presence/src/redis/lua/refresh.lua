-- ARGV: prefix, gateway_id, at, ttl_ms, JSON [{connection_id, session_id, user_id, rooms}].
-- Each listed connection lives for ttl_ms more and its rooms become exactly the listed ones
-- (unless a newer join/leave already decided a room): the gateway's report is the truth, which
-- also rebuilds presence after Redis lost it. "Out" markers older than at - ttl_ms are dropped.
local gw, at = ARGV[2], ARGV[3]
local expires = now_ms() + tonumber(ARGV[4])
local stale_before = tonumber(at) - tonumber(ARGV[4])
for _, c in ipairs(cjson.decode(ARGV[5])) do
  local cid = c.connection_id
  local user = open(cid, gw, c.session_id, c.user_id)
  if user then
    redis.call('ZADD', K_expiry(), expires, cid)
    local wanted = {}
    for _, room in ipairs(c.rooms) do
      wanted[room] = true
      set_room(cid, user, room, true, at, true)
    end
    local current = redis.call('HGETALL', K_connRooms(cid))
    for i = 1, #current, 2 do
      local room, state, last = current[i], string.match(current[i + 1], '^(%a+):(%d+)$')
      if not wanted[room] and state == 'in' then
        set_room(cid, user, room, false, at, true)
      elseif state == 'out' and tonumber(last) < stale_before then
        -- No event that old can still be in flight: forget the marker (bounds the hash).
        redis.call('HDEL', K_connRooms(cid), room)
      end
    end
  end
end
return out
