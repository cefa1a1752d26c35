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
const limiter = createRateLimiter({
  redis,
  registry: new Registry(),
  prefix,
  localBlock: false,
  name: 'race',
});

async function runRound(round: RoundMessage): Promise<number> {
  const naive = naiveGetThenIncrLimiter(redis, { limit: round.limit, windowMs: LONG_WINDOW_MS, prefix });
  const check =
    round.variant === 'Lua script'
      ? async () =>
          (
            await limiter.check(
              { name: 'race', algorithm: 'token-bucket', limit: round.limit, windowMs: LONG_WINDOW_MS },
              round.key,
            )
          ).allowed
      : async () => (await naive.check(round.key)).allowed;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, round.startAt - Date.now())));
  let admitted = 0;
  const once = async () => {
    if (await check()) admitted += 1;
  };
  if (round.mode === 'burst') await Promise.all(Array.from({ length: round.count }, once));
  else await runSchedule(constantRate(round.count, round.durationMs), once);
  return admitted;
}

process.on('message', (message: RoundMessage | 'exit') => {
  if (message === 'exit') {
    redis.disconnect();
    process.exit(0);
  }
  runRound(message).then(
    (admitted) => process.send?.({ admitted }),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});
if (redis.status !== 'ready') await once(redis, 'ready');
process.send?.('ready');
