-- Token bucket: holds up to `capacity` tokens, refilled continuously at limit/window per ms; a
-- request takes `cost` tokens. Allows a burst of `capacity`, then the sustained rate. The refill
-- is computed lazily from the elapsed time, so there is no timer, only (tokens, last update).
local function token_bucket(key, now, limit, window, capacity, cost)
  local rate = limit / window
  local stored = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(stored[1])
  local updated = tonumber(stored[2])
  if tokens == nil or updated == nil then
    tokens = capacity -- no key: the bucket is full (that is also why a full bucket may expire)
  else
    tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
  end
  if tokens + EPSILON < cost then
    return 0, tokens, (capacity - tokens) / rate, (cost - tokens) / rate, nil
  end
  local apply = function()
    local left = math.max(0, tokens - cost)
    local refill_ms = (capacity - left) / rate
    redis.call('HSET', key, 'tokens', left, 'ts', stamp(now))
    redis.call('PEXPIRE', key, math.max(1, math.ceil(refill_ms)))
    return left, refill_ms
  end
  return 1, tokens, (capacity - tokens) / rate, 0, apply
end

local function token_bucket_refund(key, now, granted_at, limit, window, capacity, cost)
  local rate = limit / window
  local stored = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, updated = tonumber(stored[1]), tonumber(stored[2])
  if tokens == nil or updated == nil then return end -- expired: the bucket is full already
  tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate + cost)
  if tokens >= capacity then
    redis.call('DEL', key) -- a full bucket and no key mean the same
    return
  end
  redis.call('HSET', key, 'tokens', tokens, 'ts', stamp(now))
  redis.call('PEXPIRE', key, math.max(1, math.ceil((capacity - tokens) / rate)))
end
