// Shared test helpers: caches on real Redis (own connection each) with their own metric registry.
import { setTimeout as sleep } from 'node:timers/promises';
import { createCircuitBreaker } from '@lab/resilience';
import type { TestRedis } from '@lab/testkit';
import { Registry } from 'prom-client';
import { type Cache, type CacheOptions, createCache } from '../src/index.ts';

/**
 * A cache on its own Redis connection. The breaker's call timeout is generous: these tests are
 * about locks and messages, and a 200 ms hiccup on a busy 2-core machine must not turn into an
 * "L2 failed" path. The outage test uses the real defaults' shape with a short open duration.
 */
export function cacheOn(redis: TestRedis, name: string, options: Partial<CacheOptions> = {}): Cache {
  const registry = options.registry ?? new Registry();
  return createCache({
    name,
    redis: redis.connect(),
    keyPrefix: redis.prefix,
    registry,
    breaker: createCircuitBreaker({ name: `${name}-l2`, callTimeoutMs: 5_000, registry }),
    ...options,
  });
}

/** A loader that counts its runs and takes `ms`. */
export function slowLoader<T>(value: () => T, ms: number) {
  const loader = async () => {
    loader.runs += 1;
    await sleep(ms);
    return value();
  };
  loader.runs = 0;
  return loader;
}

/** A one-shot gate: `promise` resolves once `open()` is called. Orders steps without sleeping. */
export function latch() {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
