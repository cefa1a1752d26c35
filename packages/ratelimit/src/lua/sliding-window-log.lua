-- Sliding window log: a sorted set with one member per admitted unit of cost, scored by its time.
-- Exact (never more than `limit` in any window of length `window`) at the price of memory that
-- grows with the limit: O(requests in window) per key.
local function sliding_window_log(key, now, limit, window, capacity, cost)
  -- Entries at or before now - window have left the window; dropping them changes no decision.
  redis.call('ZREMRANGEBYSCORE', key, '-inf', stamp(now - window))
  local count = redis.call('ZCARD', key)
  local reset = 0
  if count > 0 then reset = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]) + window - now end
  if count + cost > limit then
    -- To fit `cost` more, the oldest (count + cost - limit) entries must leave first.
    local must_leave = count + cost - limit
    local oldest = redis.call('ZRANGE', key, must_leave - 1, must_leave - 1, 'WITHSCORES')
    return 0, limit - count, reset, tonumber(oldest[2]) + window - now, nil
  end
  local apply = function()
    -- Member = time plus position: unique even if two scripts read the same microsecond, because
    -- the second one sees the first one's entries in its ZCARD. A grant that may be refunded
    -- names its members after itself instead (unique per check), so the refund finds them.
    local at = stamp(now)
    local tag = at .. ':'
    local first = count
    if grant_id ~= '' then tag, first = 'g' .. grant_id .. ':', 0 end
    local args = {}
    for i = 1, cost do
      args[#args + 1] = at
      args[#args + 1] = tag .. (first + i)
      if #args >= 1000 then
        redis.call('ZADD', key, unpack(args))
        args = {}
      end
    end
    if #args > 0 then redis.call('ZADD', key, unpack(args)) end
    redis.call('PEXPIRE', key, math.ceil(window))
    return limit - count - cost, window
  end
  return 1, limit - count, reset, 0, apply
end

local function sliding_window_log_refund(key, now, granted_at, limit, window, capacity, cost)
  -- The members this grant added (see apply); ZREM ignores those that already left the window.
  local members = {}
  for i = 1, cost do
    members[#members + 1] = 'g' .. grant_id .. ':' .. i
    if #members >= 1000 then
      redis.call('ZREM', key, unpack(members))
      members = {}
    end
  end
  if #members > 0 then redis.call('ZREM', key, unpack(members)) end
end
