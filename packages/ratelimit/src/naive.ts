// THE WRONG WAY, kept on purpose for the race-condition experiment and the concurrency test.
// GET the count, compare in the application, then INCR: two round trips with a gap between them.
// Every request that GETs before the others' INCRs land sees the same old count, so N concurrent
// requests at a key with one unit left can ALL pass. Redis is single-threaded, but the decision is
// made in Node between two commands, not inside Redis. The fix is the Lua scripts in src/lua/
// (read, decide and write in one atomic step). Do not use this outside experiments.
import type { RedisClient } from './scripts.ts';

export type NaiveLimiter = {
  check(key: string): Promise<{ allowed: boolean; count: number }>;
};

export function naiveGetThenIncrLimiter(
  redis: RedisClient,
  { limit, windowMs, prefix = 'rl:naive:' }: { limit: number; windowMs: number; prefix?: string },
): NaiveLimiter {
  return {
    async check(key) {
      const redisKey = `${prefix}${key}`;
      const count = Number((await redis.get(redisKey)) ?? 0); // round trip 1 ...
      if (count >= limit) return { allowed: false, count };
      // ... the gap: other clients read the same `count` right here ...
      const after = await redis.incr(redisKey); // round trip 2
      if (after === 1) await redis.pexpire(redisKey, windowMs);
      return { allowed: true, count: after };
    },
  };
}
