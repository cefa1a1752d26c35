// The limiter scripts read Redis TIME, so an experiment that aims at a window edge must aim in
// Redis time, not in this process's clock. This measures the offset between the two once (the
// round trip on localhost is well under a millisecond) and waits until a given Redis instant.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

export type RedisClock = {
  /** Redis time now, in ms, estimated from the local clock and the measured offset. */
  now(): number;
  /** Resolves at (about) the given Redis time in ms; a busy event loop can make it late. */
  until(redisMs: number): Promise<void>;
};

export async function redisClock(redis: Redis): Promise<RedisClock> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 5; i += 1) {
    const before = performance.now();
    const [seconds, micros] = await redis.time();
    const after = performance.now();
    const redisMs = Number(seconds) * 1000 + Number(micros) / 1000;
    if (after - before < best.rtt) best = { rtt: after - before, offset: redisMs - (before + after) / 2 };
  }
  const now = () => performance.now() + best.offset;
  return {
    now,
    async until(redisMs) {
      const wait = redisMs - now();
      if (wait > 2) await sleep(wait - 2);
      while (now() < redisMs) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
