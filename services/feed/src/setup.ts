// Builds the feed's objects once from the connected clients (service-kit's `setup`): the Redis
// stores behind one breaker, the post cache, the reader, the write-side maintenance, the live
// backplane and the rate limits. main.ts hands the result to routes and workers.
import { createCache } from '@lab/cache';
import { createRateLimiter, rateLimitMiddleware, userKey } from '@lab/ratelimit';
import type { ServiceDeps } from '@lab/service-kit';
import { createFeedReader } from './adapters/feed-reader.ts';
import { followersAmong } from './adapters/follows-repository.ts';
import { createLiveBackplane, type LiveBackplane } from './adapters/live-backplane.ts';
import { createFeedMetrics, type FeedMetrics } from './adapters/metrics.ts';
import { createPostHydrator } from './adapters/post-hydrator.ts';
import { createRedisGuard, type RedisGuard } from './adapters/redis-guard.ts';
import { createTimelineMaintenance } from './adapters/timeline-maintenance.ts';
import { createTimelineStore } from './adapters/timeline-store.ts';
import { type Config, effectiveThreshold } from './config.ts';
import { createStreamHandler } from './http/stream.ts';

export function setupFeed(deps: ServiceDeps<Config>) {
  const { config, redis, pg: pool, registry, logger } = deps;
  if (!redis || !pool) throw new Error('feed needs Redis and Postgres');
  const prefix = config.REDIS_KEY_PREFIX;
  const metrics = createFeedMetrics(registry);
  const guard = createRedisGuard({ timeoutMs: config.REDIS_TIMEOUT_MS, registry });
  const timelines = createTimelineStore({
    redis,
    prefix,
    timelineMax: config.TIMELINE_MAX,
    recentMax: config.RECENT_POSTS_MAX,
    timelineTtlMs: config.INACTIVE_AFTER_MS,
  });
  const cache = createCache({
    name: 'posts',
    redis,
    keyPrefix: `${prefix}post:`,
    ttlMs: config.POST_CACHE_TTL_MS,
    registry,
  });
  const hydrator = createPostHydrator({ cache, pool });
  const threshold = effectiveThreshold(config);
  const reader = createFeedReader({ pool, timelines, guard, hydrator, metrics, config });
  const maintenance = createTimelineMaintenance({
    pool,
    timelines,
    guard,
    hydrator,
    logger,
    threshold,
    backfillPosts: config.BACKFILL_POSTS,
    timelineMax: config.TIMELINE_MAX,
  });
  const subscriber = redis.duplicate();
  subscriber.on('error', () => {});
  const live = createLiveBackplane({
    redis,
    subscriber,
    prefix,
    replayMax: config.SSE_REPLAY_MAX,
    // A slot lives three heartbeats, and at least 30 s: under load (event-loop lag, a slow Redis) a
    // shorter life let a live connection's presence lapse between heartbeats, and fan-out then
    // skipped a follower who was connected. The cost: a replica that dies holds its users' slots
    // for up to that long.
    slotTtlMs: Math.max(config.SSE_HEARTBEAT_MS * 3, 30_000),
    maxPerUser: config.SSE_MAX_PER_USER,
  });
  const stream = createStreamHandler({
    live,
    hydrator,
    guard,
    logger,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    maxPerInstance: config.SSE_MAX_PER_INSTANCE,
  });
  const limits = createLimits(deps, redis);
  const afterFanout = liveDelivery({ guard, live, metrics, logger });
  return {
    pool,
    metrics,
    timelines,
    cache,
    hydrator,
    reader,
    maintenance,
    live,
    subscriber,
    stream,
    threshold,
    afterFanout,
    postLimit: limits('feed-writes', config.POSTS_PER_MINUTE),
    followLimit: limits('feed-follows', config.FOLLOWS_PER_MINUTE),
  };
}

/** Per-user GCRA limits (@lab/ratelimit), one Redis-backed limiter for every rule. */
function createLimits(deps: ServiceDeps<Config>, redis: NonNullable<ServiceDeps<Config>['redis']>) {
  const limiter = createRateLimiter({
    redis,
    name: 'feed',
    prefix: `${deps.config.REDIS_KEY_PREFIX}rl:`,
    registry: deps.registry,
  });
  return (name: string, perMinute: number) =>
    rateLimitMiddleware({
      limiter,
      levels: [{ rule: { name, algorithm: 'gcra', limit: perMinute, windowMs: 60_000 }, key: userKey() }],
    });
}

/** Live delivery after a fan-out: only followers with an open stream get a log entry. */
function liveDelivery(parts: {
  guard: RedisGuard;
  live: LiveBackplane;
  metrics: FeedMetrics;
  logger: ServiceDeps<Config>['logger'];
}) {
  const { guard, live, metrics, logger } = parts;
  return async (
    authorId: string,
    entry: { id: string; score: number },
    tx: Parameters<typeof followersAmong>[0],
  ) => {
    try {
      const online = await guard.run(() => live.onlineUsers());
      const targets = await followersAmong(tx, authorId, online);
      await guard.run(() => live.deliver(targets, entry));
      metrics.liveEvents.inc(targets.length);
    } catch (error) {
      logger.warn(
        { err: error },
        'live delivery failed; connected followers see the post on their next read',
      );
    }
  };
}

export type FeedParts = ReturnType<typeof setupFeed>;
