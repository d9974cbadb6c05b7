-- Presence's shared functions, run before every script (after the key functions generated from
-- keys.ts: `local P = ARGV[1]` and one `K_<name>(id)` per key). Room changes are collected in
-- `out` as a flat list `action, room_id, user_id, …`; time is Redis's (`TIME`), the one clock all
-- presence instances share.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local out = {}
local function emit(action, room, user)
  out[#out + 1] = action
  out[#out + 1] = room
  out[#out + 1] = user
end

local function count_up(key, field)
  return redis.call('HINCRBY', key, field, 1)
end

-- Returns the new count; 0 means that was the last one (a missing field gives -1: no event).
local function count_down(key, field)
  local n = redis.call('HINCRBY', key, field, -1)
  if n <= 0 then redis.call('HDEL', key, field) end
  return n
end

-- The user of a live connection, registering it on first sight (from any event: events of one
-- gateway are shared between presence instances and may be applied out of order); nil if the
-- connection is closed (tombstoned), so a late event never resurrects it.
local function open(cid, gw, sid, user)
  if redis.call('EXISTS', K_gone(cid)) == 1 then return nil end
  local known = redis.call('HGET', K_conn(cid), 'user_id')
  if known then return known end
  redis.call('HSET', K_conn(cid), 'gateway_id', gw, 'session_id', sid, 'user_id', user)
  -- Online anywhere: announced unless the user was only away within the offline grace period.
  if count_up(K_online(), user) == 1 and redis.call('HDEL', K_offlinePending(), user) == 0 then
    emit('user_online', '', user)
  end
  return user
end

-- The user's last connection in the room left: announce it, and the room's vacancy if it was the last user.
local function left(room, user)
  emit('user_left', room, user)
  if redis.call('EXISTS', K_room(room)) == 0 then emit('room_vacated', room, '') end
end

-- Applies "in" or "out" at gateway time `at` to a connection's register for one room: an event
-- older than the one already applied is ignored (last writer wins); with `strict` (refreshes)
-- a tie is ignored too, so an explicit join/leave of the same millisecond beats a refresh.
local function set_room(cid, user, room, want_in, at, strict)
  local current = redis.call('HGET', K_connRooms(cid), room)
  local was_in = false
  if current then
    local state, last = string.match(current, '^(%a+):(%d+)$')
    last = tonumber(last)
    if last > tonumber(at) or (strict and last == tonumber(at)) then return end
    was_in = state == 'in'
  end
  redis.call('HSET', K_connRooms(cid), room, (want_in and 'in:' or 'out:') .. at)
  if not user then return end -- a marker for a connection not seen yet: no counts to move
  if want_in and not was_in then
    if count_up(K_room(room), user) == 1 then emit('user_joined', room, user) end
  elseif was_in and not want_in then
    if count_down(K_room(room), user) == 0 then left(room, user) end
  end
end

-- Removes a connection: out of every room (user_left where it was the user's last), offline,
-- off the expiry index, tombstoned.
local function close(cid, tombstone_ms)
  redis.call('SET', K_gone(cid), '1', 'PX', tombstone_ms)
  redis.call('ZREM', K_expiry(), cid)
  local user = redis.call('HGET', K_conn(cid), 'user_id')
  if user then
    local rooms = redis.call('HGETALL', K_connRooms(cid))
    for i = 1, #rooms, 2 do
      if string.sub(rooms[i + 1], 1, 3) == 'in:' then
        if count_down(K_room(rooms[i]), user) == 0 then left(rooms[i], user) end
      end
    end
    -- Offline only once the grace period passes without a new connection (settle-offline.lua).
    if count_down(K_online(), user) == 0 then
      redis.call('HSET', K_offlinePending(), user, now_ms())
      emit('user_offline', '', user)
    end
  end
  redis.call('DEL', K_conn(cid), K_connRooms(cid))
end
