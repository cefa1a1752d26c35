// Shared by the integration tests: a limiter on a fresh connection, a command counter, sleeps.
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from '../src/index.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the client is connected (commands fail fast before that: enableOfflineQueue is off). */
export async function ready(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

export function limiterOn(
  redis: Redis,
  prefix: string,
  options: Partial<RateLimiterOptions> = {},
): RateLimiter & { registry: Registry } {
  const registry = options.registry ?? new Registry();
  return Object.assign(createRateLimiter({ redis, prefix, registry, ...options }), { registry });
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
