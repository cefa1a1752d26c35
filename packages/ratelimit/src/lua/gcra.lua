-- GCRA (generic cell rate algorithm, as in redis-cell): store one number, the theoretical arrival
-- time (TAT) of the next request if traffic flowed at exactly the rate. A request is early by
-- (TAT - now); it passes if it is not earlier than the burst tolerance allows. Same admissions
-- as a token bucket, with a single string key and no refill arithmetic.
local function gcra(key, now, limit, window, capacity, cost)
  local interval = window / limit        -- emission interval: time one unit of quota "costs"
  local tolerance = capacity * interval  -- how far ahead of now the TAT may run
  local tat = math.max(tonumber(redis.call('GET', key)) or now, now)
  local new_tat = tat + cost * interval
  local allow_at = new_tat - tolerance
  if allow_at > now + EPSILON then
    return 0, (now + tolerance - tat) / interval, tat - now, allow_at - now, nil
  end
  local apply = function()
    redis.call('SET', key, stamp(new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
    return (now + tolerance - new_tat) / interval, new_tat - now
  end
  return 1, (now + tolerance - tat) / interval, tat - now, 0, apply
end

local function gcra_refund(key, now, granted_at, limit, window, capacity, cost)
  local tat = tonumber(redis.call('GET', key))
  if tat == nil then return end
  local new_tat = tat - cost * window / limit
  if new_tat <= now then
    redis.call('DEL', key) -- no earlier than now: an absent TAT means "now"
    return
  end
  redis.call('SET', key, stamp(new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
end
