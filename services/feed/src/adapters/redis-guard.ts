// Every Redis call of the feed's own data path (timelines, recent posts, live delivery) goes
// through one circuit breaker with a short call timeout. While Redis is slow or down, a read does
// not wait for ioredis's reconnect: the call fails within REDIS_TIMEOUT_MS, the breaker opens after
// a few failures, and later reads fail at once and degrade to Postgres (fan-out on read).
// The trade-off: a short timeout may fail a slow-but-alive Redis; the degraded read is still correct.
import { type CircuitBreaker, createCircuitBreaker } from '@lab/resilience';
import type { Registry } from '@lab/service-kit';

/** Whatever went wrong on the Redis path (open breaker, timeout, connection, script error). */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor(cause: unknown) {
    super('Redis is unavailable', { cause });
    this.name = 'RedisUnavailableError';
  }
}

export type RedisGuard = {
  run<T>(operation: () => Promise<T>): Promise<T>;
  readonly breaker: CircuitBreaker;
};

export function createRedisGuard({
  timeoutMs,
  registry,
  name = 'feed-redis',
}: {
  timeoutMs: number;
  registry?: Registry;
  name?: string;
}): RedisGuard {
  const breaker = createCircuitBreaker({
    name,
    window: { type: 'count', size: 20 },
    minimumCalls: 5,
    failureRateThreshold: 0.5,
    openDurationMs: 1_000,
    maxOpenDurationMs: 5_000,
    halfOpenPermits: 1,
    callTimeoutMs: timeoutMs,
    ...(registry ? { registry } : {}),
  });
  return {
    breaker,
    run: async (operation) => {
      try {
        return await breaker.execute(() => operation());
      } catch (error) {
        throw new RedisUnavailableError(error);
      }
    },
  };
}
