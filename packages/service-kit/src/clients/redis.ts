// ioredis client. `maxRetriesPerRequest: 1` and an offline-queue bound mean that while Redis
// is down commands fail within about a second instead of piling up in memory; ioredis keeps
// reconnecting in the background (capped backoff) and commands succeed again on its own.
import { Redis, type RedisOptions } from 'ioredis';
import type { ReadinessCheck } from '../health/health.ts';

export type { Redis };

export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Reconnect with a capped backoff: 50 ms, 100 ms, ... up to 1 s between attempts.
    retryStrategy: (attempt) => Math.min(attempt * 50, 1_000),
    ...options,
  });
  // Without a listener ioredis prints every connection error; the readiness check and the
  // failing commands already report them.
  client.on('error', () => {});
  return client;
}

export function redisCheck(client: Redis, timeoutMs = 1_000): ReadinessCheck {
  return {
    name: 'redis',
    timeoutMs,
    check: async () => {
      const reply = await client.ping();
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
    },
  };
}
