-- Gives back one level's grant (see the `_refund` functions): a check decided one Cluster slot at a
-- time was refused by a level in another slot after this one had charged it. KEYS[1] = the
-- counter; ARGV = algorithm number, limit, window ms, capacity, cost, the grant's Redis time (ms)
-- and its grant id. Replies 1. Refunding twice would give back twice: the caller sends it once.
local refunds = {
  fixed_window_refund,
  sliding_window_log_refund,
  sliding_window_counter_refund,
  token_bucket_refund,
  leaky_bucket_refund,
  gcra_refund,
}
grant_id = ARGV[7]
refunds[tonumber(ARGV[1])](
  KEYS[1], now, tonumber(ARGV[6]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
return 1
