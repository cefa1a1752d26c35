// Starts the real service (Postgres database and Redis prefix of its own) for integration tests.

export { call } from '@lab/testkit';

import { signDevToken } from '@lab/service-kit';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@lab/testkit';
import { loadServiceConfig } from '../src/config.ts';
import { createRateLimiterService } from '../src/main.ts';

export const JWT_SECRET = 'test-secret-of-at-least-32-characters-0123';

export type Running = { url: string; stop: () => Promise<unknown> };

export type TestBed = {
  db: TestDatabase;
  redis: TestRedis;
  start: (env?: Record<string, string>) => Promise<Running>;
  token: (claims?: {
    sub?: string;
    tenant?: string;
    tier?: 'free' | 'pro' | 'enterprise';
    /** Space-separated scopes: `admin`, `service`, `rate-limiter:inline`. */
    scope?: string;
  }) => Promise<string>;
  cleanup: () => Promise<void>;
};

export async function createTestBed(label: string): Promise<TestBed> {
  const db = await createTestDatabase(label);
  const redis = await createTestRedis(label);
  const running: Running[] = [];
  return {
    db,
    redis,
    async start(env = {}) {
      const config = loadServiceConfig({
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.prefix,
        JWT_SECRET,
        PORT: '0',
        LOG_LEVEL: 'silent',
        SHUTDOWN_DRAIN_MS: '0',
        // Tests not about Redis faults: a check's time limit far above a loaded machine's Redis
        // round trip (the 50 ms default made a healthy check fail open under load), and a rule
        // cache TTL far above any wait, so a change seen by another replica was pushed, not expired.
        LIMITER_TIMEOUT_MS: '30000',
        POLICY_CACHE_TTL_MS: '3600000',
        ...env,
      });
      const service = await createRateLimiterService(config);
      await service.start({ handleSignals: false });
      const handle = { url: service.url, stop: () => service.stop() };
      running.push(handle);
      return handle;
    },
    token: ({ sub = 'ann', tenant = 'acme', tier = 'free', scope } = {}) =>
      signDevToken({ sub, tenant, tier, secret: JWT_SECRET, ...(scope ? { scope } : {}) }),
    async cleanup() {
      for (const service of running) await service.stop();
      await redis.cleanup();
      await db.drop();
    },
  };
}
