-- Takes one live-connection slot for a user, across every replica, or refuses when the user
-- already holds `max` live slots. Slots expire unless their holder refreshes them (heartbeats), so
-- a replica that died cannot pin a user's slots forever.
-- KEYS[1] the user's slots (member = connection id, score = expiry ms); KEYS[2] the online set
-- (member = user id, score = expiry ms). ARGV: now, expiry, connection id, max, user id.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
return 1
