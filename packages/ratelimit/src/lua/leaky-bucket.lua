-- Leaky bucket as a meter: a level that drains at limit/window per ms; a request adds `cost` and
-- is refused if the bucket would overflow `capacity`. (As a queue, the other reading, it would
-- delay requests instead of refusing them.) As a meter it is the token bucket seen from the other
-- side (level = capacity - tokens), so with equal capacity both admit the same requests; it is
-- the natural form for "smooth to a steady outflow": give it a small capacity (burst), e.g. 1.
local function leaky_bucket(key, now, limit, window, capacity, cost)
  local rate = limit / window
  local stored = redis.call('HMGET', key, 'level', 'ts')
  local level = tonumber(stored[1]) or 0
  local updated = tonumber(stored[2]) or now
  level = math.max(0, level - math.max(0, now - updated) * rate)
  if level + cost > capacity + EPSILON then
    return 0, capacity - level, level / rate, (level + cost - capacity) / rate, nil
  end
  local apply = function()
    local filled = level + cost
    redis.call('HSET', key, 'level', filled, 'ts', stamp(now))
    redis.call('PEXPIRE', key, math.max(1, math.ceil(filled / rate)))
    return capacity - filled, filled / rate
  end
  return 1, capacity - level, level / rate, 0, apply
end

local function leaky_bucket_refund(key, now, granted_at, limit, window, capacity, cost)
  local rate = limit / window
  local stored = redis.call('HMGET', key, 'level', 'ts')
  local level, updated = tonumber(stored[1]), tonumber(stored[2])
  if level == nil or updated == nil then return end -- expired: the bucket is empty already
  level = math.max(0, level - math.max(0, now - updated) * rate - cost)
  if level <= 0 then
    redis.call('DEL', key)
    return
  end
  redis.call('HSET', key, 'level', level, 'ts', stamp(now))
  redis.call('PEXPIRE', key, math.max(1, math.ceil(level / rate)))
end
