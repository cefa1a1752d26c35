-- Several levels (global -> tenant -> user -> endpoint) decided as one: KEYS[i] is level i's
-- counter. ARGV[1] = cost, ARGV[2] = grant id ('' = none; set when this call decides one Cluster
-- slot's levels and may be refunded), then per level: algorithm number, limit, window ms,
-- capacity, shadow (1 = a dark-launched level: its "no" is recorded in the reply but refuses
-- nothing). The caller orders levels cheapest first. On a Cluster every key must share one slot.
-- Phase 1 asks each level and stops at the first "no"; phase 2 records in all of them only if
-- every level said yes. So a denied request consumes nothing anywhere, and no other client can
-- slip in between the phases: the whole script runs atomically.
-- Reply: { denied level (0 = none), then per level asked: allowed, remaining, reset, retry },
-- remaining and reset after the request when it passed, as they stand when it was refused;
-- last, the Redis time of the decision (a string, ms to the microsecond), which a refund needs.
local algorithms = { fixed_window, sliding_window_log, sliding_window_counter, token_bucket, leaky_bucket, gcra }
local cost = tonumber(ARGV[1])
grant_id = ARGV[2]
local asked = {}
local denied = 0
for i = 1, #KEYS do
  local at = 3 + (i - 1) * 5
  local algorithm = algorithms[tonumber(ARGV[at])]
  local allowed, remaining, reset, retry, apply =
    algorithm(KEYS[i], now, tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), cost)
  asked[i] = { allowed, remaining, reset, retry, apply }
  if allowed == 0 and ARGV[at + 4] ~= '1' then
    denied = i
    break
  end
end
if denied == 0 then
  -- A shadow level that said no has no `apply`: it is not charged, the others are.
  for i = 1, #asked do
    if asked[i][5] then asked[i][2], asked[i][3] = asked[i][5]() end
  end
end
local reply = { denied }
for i = 1, #asked do
  local level = asked[i]
  reply[#reply + 1] = level[1]
  reply[#reply + 1] = math.max(0, math.floor(level[2] + EPSILON))
  reply[#reply + 1] = math.ceil(level[3])
  reply[#reply + 1] = math.ceil(level[4])
end
reply[#reply + 1] = stamp(now)
return reply
