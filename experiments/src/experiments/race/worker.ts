// One "gateway replica" of the race experiment, in its own process (so three of them really run
// in parallel, with their own connections and event loops). The parent sends a round; the worker
// waits for the shared start instant, fires the checks and reports how many were admitted.
import { once } from 'node:events';
import { createRateLimiter } from '@lab/ratelimit';
import { naiveGetThenIncrLimiter } from '@lab/ratelimit/demo';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { constantRate, runSchedule } from '../../load.ts';

export type RoundMessage = {
  variant: 'naive GET then INCR' | 'Lua script';
  mode: 'burst' | 'steady';
  key: string;
  limit: number;
  /** burst: this many checks at once; steady: this many per second for durationMs. */
  count: number;
  durationMs: number;
  /** Epoch ms (the machine's clock, which all workers share) at which to start. */
  startAt: number;
};

const LONG_WINDOW_MS = 86_400_000; // a day: nothing refills or resets during a round
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = process.env.RACE_PREFIX ?? 'race:';
// A generous time limit and no breaker: a check must be decided by the script, not by a fail-open
// fallback when three processes flood a busy machine. Fallbacks are counted and reported anyway.
const limiter = createRateLimiter({
  redis,
  registry: new Registry(),
  prefix,
  localBlock: false,
  name: 'race',
  timeoutMs: 2000,
  breaker: false,
});

export type RoundReply = { admitted: number; fallbacks: number };

async function runRound(round: RoundMessage): Promise<RoundReply> {
  const naive = naiveGetThenIncrLimiter(redis, { limit: round.limit, windowMs: LONG_WINDOW_MS, prefix });
  const rule = {
    name: 'race',
    algorithm: 'token-bucket',
    limit: round.limit,
    windowMs: LONG_WINDOW_MS,
  } as const;
  const check =
    round.variant === 'Lua script'
      ? async () => {
          const result = await limiter.check(rule, round.key);
          return { allowed: result.allowed, fallback: result.source !== 'redis' };
        }
      : async () => ({ allowed: (await naive.check(round.key)).allowed, fallback: false });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, round.startAt - Date.now())));
  const reply: RoundReply = { admitted: 0, fallbacks: 0 };
  const fire = async () => {
    const { allowed, fallback } = await check();
    if (allowed) reply.admitted += 1;
    if (fallback) reply.fallbacks += 1;
  };
  if (round.mode === 'burst') await Promise.all(Array.from({ length: round.count }, fire));
  else await runSchedule(constantRate(round.count, round.durationMs), fire);
  return reply;
}

process.on('message', (message: RoundMessage | 'exit') => {
  if (message === 'exit') {
    redis.disconnect();
    process.exit(0);
  }
  runRound(message).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});
if (redis.status !== 'ready') await once(redis, 'ready');
process.send?.('ready');
