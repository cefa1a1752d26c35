-- Fixed window: one counter per window aligned to the clock (window index = floor(now / window)).
-- Cheapest state (one small hash) but a client can spend a full quota at the end of one window and
-- another at the start of the next: up to 2x the limit inside one window's length.
local function fixed_window(key, now, limit, window, capacity, cost)
  local index = math.floor(now / window)
  local stored = redis.call('HMGET', key, 'w', 'n')
  local count = 0
  if tonumber(stored[1]) == index then count = tonumber(stored[2]) or 0 end
  local to_window_end = (index + 1) * window - now
  local reset = 0
  if count > 0 then reset = to_window_end end
  if count + cost > limit then
    -- Denied requests are not counted: a client hammering a closed window cannot extend its own ban.
    return 0, limit - count, reset, to_window_end, nil
  end
  local apply = function()
    if count > 0 then
      redis.call('HINCRBY', key, 'n', cost) -- same window: its expiry is already set
    else
      redis.call('HSET', key, 'w', index, 'n', cost)
      redis.call('PEXPIRE', key, math.ceil(to_window_end))
    end
    return limit - count - cost, to_window_end
  end
  return 1, limit - count, reset, 0, apply
end

local function fixed_window_refund(key, now, granted_at, limit, window, capacity, cost)
  -- Only the window the grant was counted in holds it; once that window is over, so is the charge.
  if tonumber(redis.call('HGET', key, 'w')) ~= math.floor(granted_at / window) then return end
  if redis.call('HINCRBY', key, 'n', -cost) <= 0 then redis.call('DEL', key) end
end
