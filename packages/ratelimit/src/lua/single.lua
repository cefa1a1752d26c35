-- One key, one algorithm (`check` is bound to it just above). KEYS[1] = the counter key;
-- ARGV = limit, window ms, capacity, cost. The reply has the hierarchy's shape with one level:
-- { denied level (0 or 1), allowed, remaining, reset ms, retry-after ms }, remaining and reset as
-- they are after this request (allowed) or now (denied).
local allowed, remaining, reset, retry, apply =
  check(KEYS[1], now, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
if apply then remaining, reset = apply() end
return { 1 - allowed, allowed, math.max(0, math.floor(remaining + EPSILON)), math.ceil(reset), math.ceil(retry) }
