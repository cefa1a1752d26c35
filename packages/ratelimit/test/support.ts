// Shared by the integration tests: a limiter on a fresh connection, a command counter, sleeps.
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from '../src/index.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Redis's clock (TIME) in milliseconds: the clock every limiter script decides by. */
export async function redisNowMs(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

/**
 * Waits until Redis's clock reads at least `targetMs`. A test that waits a reported retry time
 * asks the clock that reported it: a host sleep of the same length can end early on Redis's clock
 * (timer rounding) and says nothing about when Redis will have moved on. Polls in small steps; the
 * bound only ends a broken test.
 */
export async function untilRedisTime(redis: Redis, targetMs: number, boundMs = 60_000): Promise<void> {
  const giveUpAt = performance.now() + boundMs;
  for (let now = await redisNowMs(redis); now < targetMs; now = await redisNowMs(redis)) {
    if (performance.now() > giveUpAt)
      throw new Error(`Redis time did not reach ${targetMs} in ${boundMs} ms`);
    await sleep(Math.min(50, Math.max(1, Math.ceil(targetMs - now))));
  }
}

/** Waits until the client is connected (commands fail fast before that: enableOfflineQueue is off). */
export async function ready(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

/**
 * The time limit of a limiter whose test is not about the time limit. The default (100 ms) is a
 * production setting: on a loaded CI machine a healthy Redis reply can take longer than that, the
 * check then falls back (fail-open, remaining unknown) and a test of quotas fails for a reason it
 * does not test. Tests of the time limit itself (redis-failure) pass their own timeoutMs.
 */
export const PATIENT_TIMEOUT_MS = 30_000;

export function limiterOn(
  redis: Redis,
  prefix: string,
  options: Partial<RateLimiterOptions> = {},
): RateLimiter & { registry: Registry } {
  const registry = options.registry ?? new Registry();
  return Object.assign(
    createRateLimiter({ redis, prefix, registry, timeoutMs: PATIENT_TIMEOUT_MS, ...options }),
    { registry },
  );
}

/** Counts every command the client sends (EVALSHA included), by wrapping sendCommand. */
export function countCommands(redis: Redis): { readonly count: number; reset(): void } {
  let count = 0;
  const original = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    count += 1;
    return original(...args);
  }) as Redis['sendCommand'];
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}

export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return match?.value ?? 0;
}
