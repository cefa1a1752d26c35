-- Adds post ids to one timeline and trims it to its newest `max` entries, atomically.
-- KEYS[1] the timeline; ARGV[1] max entries; ARGV[2] 1 = only if the timeline exists (fan-out),
-- 0 = create it (a rebuild); then score, id pairs. Returns how many ids were new, or -1 when the
-- timeline is absent and ARGV[2] = 1.
--
-- Invariant: a timeline that exists holds the newest posts of the accounts its owner follows, down
-- to its lowest entry. So fan-out writes only into timelines that exist: creating one with a single
-- new post would look complete and hide every older post. An absent timeline (never built,
-- expired, flushed) is rebuilt from Postgres on the next read instead.
-- The sentinel member "." at score 0 keeps an empty timeline existing; it has rank 0 (all post
-- scores are > 0), readers never ask for scores <= 0, and trimming starts at rank 1.
local key = KEYS[1]
local max = tonumber(ARGV[1])
if ARGV[2] == '1' then
  if redis.call('EXISTS', key) == 0 then return -1 end
else
  redis.call('ZADD', key, 0, '.')
end
local added = 0
for i = 3, #ARGV, 2 do
  added = added + redis.call('ZADD', key, ARGV[i], ARGV[i + 1])
end
local excess = redis.call('ZCARD', key) - 1 - max
if excess > 0 then redis.call('ZREMRANGEBYRANK', key, 1, excess) end
return added
