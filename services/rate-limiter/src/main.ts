// Composition root: config -> clients (service-kit: Postgres + migrations, Redis) -> the limiter,
// the policy cache and store -> routes -> the cache's invalidation listener as a worker -> start.
import { createCache } from '@lab/cache';
import { createRateLimiter } from '@lab/ratelimit';
import { createService, type Logger, type Registry, type ServiceDeps } from '@lab/service-kit';
import { createPolicyStore } from './adapters/policy-store.ts';
import { createRulesRepository } from './adapters/rules-repository.ts';
import { createTenantsRepository } from './adapters/tenants-repository.ts';
import { type Config, loadServiceConfig } from './config.ts';
import { mountRoutes, routes } from './http/routes.ts';

function wire(deps: ServiceDeps<Config>) {
  const { config, redis, pg, registry } = deps;
  if (!redis || !pg) throw new Error('rate-limiter needs Redis and Postgres');
  const limiter = createRateLimiter({
    redis,
    name: 'rate-limiter',
    prefix: `${config.REDIS_KEY_PREFIX}rl:`,
    timeoutMs: config.LIMITER_TIMEOUT_MS,
    insurance: config.LIMITER_INSURANCE ? { share: 1 / config.LIMITER_INSTANCES } : false,
    registry,
  });
  const cache = createCache({
    name: 'policies',
    redis,
    keyPrefix: `${config.REDIS_KEY_PREFIX}policy:`,
    ttlMs: config.POLICY_CACHE_TTL_MS,
    registry,
  });
  const store = createPolicyStore({
    cache,
    rules: createRulesRepository(pg),
    tenants: createTenantsRepository(pg),
    // A changed limit must not be shadowed by a refusal remembered under the old one.
    onChange: () => limiter.clearLocalBlocks(),
  });
  return { limiter, cache, store };
}

export async function createRateLimiterService(
  config: Config,
  options: { registry?: Registry; logger?: Logger } = {},
) {
  return createService({
    name: 'rate-limiter',
    config,
    postgres: { migrationsDir: new URL('../migrations/', import.meta.url) },
    redis: true,
    trustProxy: config.TRUST_PROXY,
    ...options,
    setup: wire,
    routes: (app, deps, { limiter, store }) => {
      mountRoutes(
        app,
        routes({
          limiter,
          store,
          auth: deps.auth,
          idempotency: () => deps.idempotency(),
          jwtSecret: config.JWT_SECRET,
          demoGlobalPerSecond: config.DEMO_GLOBAL_PER_SECOND,
        }),
      );
    },
    workers: (_deps, { cache }) => [
      { name: 'policy-invalidations', start: () => cache.ready(), stop: () => cache.close() },
    ],
  });
}

if (import.meta.main) {
  const service = await createRateLimiterService(loadServiceConfig());
  await service.start();
}
