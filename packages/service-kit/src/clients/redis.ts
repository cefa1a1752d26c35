// ioredis client. `maxRetriesPerRequest: 1` and an offline-queue bound mean that while Redis
// is down commands fail within about a second instead of piling up in memory; ioredis keeps
// reconnecting in the background (capped backoff) and commands succeed again on its own.
import { Redis, type RedisOptions } from 'ioredis';
import { READINESS_DEFAULTS, REDIS_CLIENT_DEFAULTS } from '../defaults.ts';
import type { ReadinessCheck } from '../health/health.ts';

export type { Redis };

/** REDIS_CLIENT_DEFAULTS first, then the caller's `options` over them. */
export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  const { maxRetriesPerRequest, connectTimeout, reconnectStepMs, reconnectMaxMs } = REDIS_CLIENT_DEFAULTS;
  const client = new Redis(url, {
    maxRetriesPerRequest,
    connectTimeout,
    // Reconnect with a capped backoff: 50 ms, 100 ms, ... up to 1 s between attempts.
    retryStrategy: (attempt) => Math.min(attempt * reconnectStepMs, reconnectMaxMs),
    ...options,
  });
  // Without a listener ioredis prints every connection error; the readiness check and the
  // failing commands already report them.
  client.on('error', () => {});
  return client;
}

export function redisCheck(
  client: Redis,
  timeoutMs: number = READINESS_DEFAULTS.redisTimeoutMs,
): ReadinessCheck {
  return {
    name: 'redis',
    timeoutMs,
    check: async () => {
      const reply = await client.ping();
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
    },
  };
}
