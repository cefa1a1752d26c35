// Benchmark suite `feed`, against the real Postgres and Redis of the local stack.
//
// 1. Fan-out rate: one post by an author with 10,000 active followers, pushed into their timelines
//    by the real worker code (fanOutPost: keyset batches of 1,000 followers read from Postgres,
//    one Redis pipeline per batch, 100 timelines per script call: exists-check, ZADD, trim), against
//    the floor: the same 10,000 ZADDs in pipelines of 1,000 with the follower list already in
//    memory, on the same client. Variants alternate (A B A B), 3 posts per measurement.
//    Ratio `fanout/zadd-pipeline` (higher is better; the bar is 0.5).
// 2. Feed read latency (p50, p99 of 200 sequential reads of a 20-post first page) for readers
//    following 10, 100 and 1,000 accounts, in push, pull and hybrid modes side by side: the real
//    reader (touch, follow list, Redis ranges or Postgres, merge, hydration through @lab/cache).
import {
  alternate,
  defineSuite,
  percentile,
  type RatioRow,
  type ResultRow,
  ratioOf,
  resultRow,
} from '@lab/bench';
import { createCache } from '@lab/cache';
import { createRedisClient, createRegistry, runMigrations } from '@lab/service-kit';
import { createTestDatabase, createTestRedis } from '@lab/testkit';
import { createFeedReader } from '../src/adapters/feed-reader.ts';
import { createFeedMetrics } from '../src/adapters/metrics.ts';
import { createPostHydrator } from '../src/adapters/post-hydrator.ts';
import { createRedisGuard } from '../src/adapters/redis-guard.ts';
import { createTimelineStore } from '../src/adapters/timeline-store.ts';
import { type FeedMode, loadServiceConfig } from '../src/config.ts';
import { newPostId } from '../src/domain/ids.ts';
import { fanOutPost } from '../src/workers/fanout.ts';
import { FOLLOWERS, READERS, writeDataset } from './dataset.ts';

const POSTS_PER_MEASUREMENT = 3;
const READS_PER_MEASUREMENT = 200;
const ROUNDS = { rounds: 7, warmupRounds: 1 };

export default defineSuite('feed', async () => {
  const db = await createTestDatabase('feed_bench');
  const testRedis = await createTestRedis('feed_bench');
  const redis = createRedisClient(testRedis.url);
  try {
    await runMigrations(db.pool, new URL('../migrations/', import.meta.url));
    const followers = await writeDataset(db.pool);
    const fanout = await measureFanout(db.pool, redis, testRedis.prefix, followers);
    const reads = await measureReads(db.pool, redis, testRedis.prefix);
    return { results: [...fanout.results, ...reads.results], ratios: [...fanout.ratios, ...reads.ratios] };
  } finally {
    redis.disconnect();
    await testRedis.cleanup();
    await db.drop();
  }
});

async function measureFanout(
  pool: import('pg').Pool,
  redis: import('ioredis').Redis,
  prefix: string,
  followers: string[],
) {
  const timelines = createTimelineStore({
    redis,
    prefix: `${prefix}fan:`,
    timelineMax: 800,
    recentMax: 800,
    timelineTtlMs: 3_600_000,
  });
  // Every follower has a timeline (they are active readers): create the 10,000 sentinels.
  for (let i = 0; i < followers.length; i += 1_000) {
    const pipeline = redis.pipeline();
    for (const f of followers.slice(i, i + 1_000)) pipeline.zadd(timelines.timelineKey(f), 0, '.');
    await pipeline.exec();
  }
  const deps = { timelines, threshold: 10_000, batchSize: 1_000, inactiveAfterMs: 86_400_000 };
  let clock = Date.now();
  const rate = async (fanOnce: (entry: { id: string; score: number }) => Promise<number>) => {
    let written = 0;
    const started = performance.now();
    for (let p = 0; p < POSTS_PER_MEASUREMENT; p += 1) {
      clock += 1;
      written += await fanOnce({ id: newPostId(), score: clock });
    }
    const seconds = (performance.now() - started) / 1_000;
    if (written !== POSTS_PER_MEASUREMENT * FOLLOWERS)
      throw new Error(`wrote ${written}, expected ${POSTS_PER_MEASUREMENT * FOLLOWERS}`);
    return written / seconds;
  };
  const baselineKeys = followers.map((f) => `${prefix}zadd:${f}`);
  const measured = await alternate(
    [
      {
        name: 'fanout',
        measure: () => rate(async (entry) => (await fanOutPost(deps, pool, 'author', entry)).written),
      },
      {
        name: 'zadd-pipeline',
        measure: () =>
          rate(async (entry) => {
            let added = 0;
            for (let i = 0; i < baselineKeys.length; i += 1_000) {
              const pipeline = redis.pipeline();
              for (const key of baselineKeys.slice(i, i + 1_000)) pipeline.zadd(key, entry.score, entry.id);
              for (const [error, value] of (await pipeline.exec()) ?? []) {
                if (error) throw error;
                added += value as number;
              }
            }
            return added;
          }),
      },
    ],
    ROUNDS,
  );
  const fan = measured.get('fanout');
  const floor = measured.get('zadd-pipeline');
  if (!fan || !floor) throw new Error('missing fan-out variant');
  return {
    results: [
      resultRow('fanout', 'timeline writes', 'writes/s', fan),
      resultRow('zadd-pipeline', 'timeline writes', 'writes/s', floor),
    ],
    ratios: [
      ratioOf('fanout/zadd-pipeline', { ...fan, name: 'fanout' }, { ...floor, name: 'zadd-pipeline' }),
    ],
  };
}

async function measureReads(pool: import('pg').Pool, redis: import('ioredis').Redis, prefix: string) {
  const registry = createRegistry();
  const metrics = createFeedMetrics(registry);
  const readerFor = (mode: FeedMode) => {
    const modePrefix = `${prefix}${mode}:`;
    const config = loadServiceConfig({ JWT_SECRET: 'x'.repeat(32), FEED_MODE: mode });
    const timelines = createTimelineStore({
      redis,
      prefix: modePrefix,
      timelineMax: 800,
      recentMax: 800,
      timelineTtlMs: 3_600_000,
    });
    const cache = createCache({ name: `bench-${mode}`, redis, keyPrefix: `${modePrefix}post:`, registry });
    const hydrator = createPostHydrator({ cache, pool });
    const guard = createRedisGuard({ timeoutMs: 1_000, registry, name: `bench-${mode}` });
    return { cache, reader: createFeedReader({ pool, timelines, guard, hydrator, metrics, config }) };
  };
  const modes = (['push', 'pull', 'hybrid'] as const).map((mode) => ({ mode, ...readerFor(mode) }));
  await Promise.all(modes.map((m) => m.cache.ready()));
  const p50 = new Map<string, number[]>();
  const variants = modes.flatMap(({ mode, reader }) =>
    READERS.map((r) => ({
      name: `read ${mode} ${r.following}`,
      measure: async () => {
        const latencies: number[] = [];
        for (let i = 0; i < READS_PER_MEASUREMENT; i += 1) {
          const started = performance.now();
          const page = await reader.read(r.name, undefined, 20);
          latencies.push(performance.now() - started);
          if (page.items.length !== 20) throw new Error(`${mode} ${r.name}: ${page.items.length} items`);
        }
        const key = `read ${mode} ${r.following}`;
        p50.set(key, [...(p50.get(key) ?? []), percentile(latencies, 50)]);
        return percentile(latencies, 99);
      },
    })),
  );
  const measured = await alternate(variants, ROUNDS);
  const results: ResultRow[] = [];
  const ratios: RatioRow[] = [];
  for (const [name, summary] of measured) {
    results.push(resultRow(name, 'p99 latency', 'ms', summary));
    const medians = (p50.get(name) ?? []).slice(ROUNDS.warmupRounds);
    results.push(
      resultRow(name, 'p50 latency', 'ms', {
        median: percentile(medians, 50),
        min: Math.min(...medians),
        max: Math.max(...medians),
      }),
    );
  }
  for (const r of READERS) {
    const push = measured.get(`read push ${r.following}`);
    for (const mode of ['pull', 'hybrid'] as const) {
      const other = measured.get(`read ${mode} ${r.following}`);
      if (push && other)
        ratios.push(
          ratioOf(
            `${mode}/push read p99 (${r.following} followed)`,
            { ...other, name: `read ${mode} ${r.following}` },
            { ...push, name: `read push ${r.following}` },
          ),
        );
    }
  }
  await Promise.all(modes.map((m) => m.cache.close()));
  return { results, ratios };
}
