-- Shared head of every rate-limit script.
-- The clock is Redis's own (TIME), never the caller's: a gateway whose clock runs a few seconds
-- fast or slow would otherwise mint or withhold tokens (the "clock skew" risk). TIME is read once,
-- so every level of a hierarchical check sees the same instant. Units: milliseconds, fractional.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000

-- Floating-point slack: 0.1 + 0.2 style rounding must not turn an exact fit into a denial.
local EPSILON = 1e-6

-- Timestamps are stored with microsecond precision; Lua's default number-to-string conversion
-- keeps only 14 significant digits, which for epoch milliseconds is 0.1 ms.
local function stamp(ms)
  return string.format('%.3f', ms)
end

-- Set by a check that may be refunded (hierarchy.lua, one Cluster slot at a time): the sliding log
-- then names its entries after this grant, so refund.lua can remove exactly them.
local grant_id = ''

-- Every algorithm below has the same shape:
--   check(key, now, limit, window, capacity, cost) -> allowed, remaining, reset, retry, apply
-- It only READS (or drops entries that already left the window) and describes the quota as it is
-- now: `remaining` units left, `reset` ms until the full quota is back if nothing else arrives,
-- `retry` ms until a request of this cost could pass (0 when allowed). `apply` exists only when
-- allowed: a closure that records the request and returns remaining and reset after it.
-- Splitting decide from record is what lets a hierarchical check ask every level first and write
-- to none of them when one says no.
-- Each also has a `<name>_refund(key, now, granted_at, limit, window, capacity, cost)` that gives
-- back a grant made at `granted_at` (ms, Redis time) when a level in another Cluster slot refused
-- the same check. A refund never adds more than the grant took, and gives back nothing that has
-- already left the window (the charge is gone by itself).
