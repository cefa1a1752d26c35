-- Sliding window counter (Cloudflare's estimate): two fixed-window counts, the previous one
-- weighted by how much of it still overlaps the sliding window:
--   estimate = previous * (window - elapsed) / window + current
-- O(1) memory like a fixed window, close to a sliding log on real traffic; it assumes the previous
-- window's requests were spread evenly, so a burst at the very end of it is under-counted.
local function sliding_window_counter(key, now, limit, window, capacity, cost)
  local index = math.floor(now / window)
  local stored = redis.call('HMGET', key, 'w', 'cur', 'prev')
  local stored_index = tonumber(stored[1])
  local current, previous = 0, 0
  if stored_index == index then
    current = tonumber(stored[2]) or 0
    previous = tonumber(stored[3]) or 0
  elseif stored_index == index - 1 then
    previous = tonumber(stored[2]) or 0
  end
  local elapsed = now - index * window
  local to_window_end = window - elapsed
  local estimate = previous * to_window_end / window + current

  -- Full quota is back once every counted request has weighted out of the estimate.
  local reset = 0
  if current > 0 then reset = to_window_end + window elseif previous > 0 then reset = to_window_end end

  if estimate + cost > limit + EPSILON then
    local retry
    if current + cost <= limit then
      -- Only the previous window's weight is in the way; it falls linearly until the window ends.
      local free_at = window - (limit - current - cost) * window / previous
      retry = free_at - elapsed
    else
      -- Wait for the next window, where today's count becomes the weighted "previous".
      local free_at = window * (1 - (limit - cost) / current)
      retry = to_window_end + math.max(0, free_at)
    end
    return 0, limit - estimate, reset, retry, nil
  end
  local apply = function()
    if stored_index == index then
      -- Same window: one increment; the expiry set when the window began still holds.
      redis.call('HINCRBY', key, 'cur', cost)
    else
      redis.call('HSET', key, 'w', index, 'cur', cost, 'prev', previous)
      -- Kept through the next window, where it serves as the previous count.
      redis.call('PEXPIRE', key, math.ceil(to_window_end + window))
    end
    return limit - estimate - cost, to_window_end + window
  end
  return 1, limit - estimate, reset, 0, apply
end

local function sliding_window_counter_refund(key, now, granted_at, limit, window, capacity, cost)
  -- The grant sits in the window it was made in: still `cur`, or `prev` once the next one began.
  local granted_index = math.floor(granted_at / window)
  local stored = redis.call('HMGET', key, 'w', 'cur', 'prev')
  local stored_index = tonumber(stored[1])
  if stored_index == granted_index then
    redis.call('HSET', key, 'cur', math.max(0, (tonumber(stored[2]) or 0) - cost))
  elseif stored_index == granted_index + 1 then
    redis.call('HSET', key, 'prev', math.max(0, (tonumber(stored[3]) or 0) - cost))
  end
end
