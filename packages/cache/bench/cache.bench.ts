// Benchmark suite `cache`: @lab/cache side by side with bentocache (memory + Redis tiers, the
// reference two-level cache for Node), in one run, variants alternating round by round.
//   L1 hit:  getOrLoad / getOrSet of one hot key already in memory (both caches also have Redis + bus).
//            Like for like: our L1 hands back the stored object itself, so the ratio is taken
//            against bentocache's memory driver with `serialize: false`, which does the same.
//            Its default (serialize, parse on every hit: a fresh copy each time) stays as a
//            second row, labelled so.
//   L2 hit:  L1 off for both (bentocache with only its Redis driver), 1,000 stored keys, 50 calls in
//            flight at a time, so it measures the client path and pipelining, not one round trip.
//   miss:    a new key every call, loader returns at once: the Redis work around a load (ours: GET,
//            lock script reading fences, fenced write+unlock script; bentocache: GET, SET, bus
//            publish), one call at a time.
// Both caches get the same ioredis version and connection options.
import { registerHooks } from 'node:module';
import { alternate, defineSuite, opsPerSecond, type ResultRow, ratioOf, resultRow } from '@lab/bench';
import { createTestRedis } from '@lab/testkit';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createCache } from '../src/index.ts';

// bentocache's Redis driver imports `ioredis` as an optional peer dependency, but the workspace keeps
// ioredis 6 inside each package (nothing hoisted), so from node_modules/bentocache it would not be
// found. Resolve it from this package instead: both caches then run on the very same client.
const here = new URL('../package.json', import.meta.url).href;
registerHooks({
  resolve: (specifier, context, next) =>
    next(specifier, specifier === 'ioredis' ? { ...context, parentURL: here } : context),
});

const link = {
  id: 'a1B2c3',
  url: 'https://example.com/some/long/path?with=query',
  ownerId: 42,
  createdAt: 1_700_000_000,
};
const TTL_MS = 60_000;
const L2_KEYS = 1_000;
const CONCURRENCY = 50;

/** Operations per second with `concurrency` calls in flight for about `durationMs`. */
async function concurrentOpsPerSecond(
  operation: (i: number) => Promise<unknown>,
  concurrency: number,
  durationMs = 800,
) {
  let done = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      // Workers walk the key space from different offsets, so concurrent calls hit different keys.
      let i = worker * Math.floor(L2_KEYS / concurrency);
      while (performance.now() < deadline) {
        for (let j = 0; j < 20; j += 1) await operation(i++);
        done += 20;
      }
    }),
  );
  return (done / (performance.now() - started)) * 1_000;
}

export default defineSuite('cache', async () => {
  const { BentoCache, bentostore } = await import('bentocache');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const { redisDriver, redisBusDriver } = await import('bentocache/drivers/redis');

  const redis = await createTestRedis('bench-cache');
  const connections: Redis[] = [];
  const connect = () => {
    const client = new Redis(redis.url);
    connections.push(client);
    return client;
  };
  const busConnection = { host: new URL(redis.url).hostname, port: Number(new URL(redis.url).port) };

  const labTiered = createCache({
    name: 'bench-tiered',
    redis: connect(),
    keyPrefix: `${redis.prefix}lab1:`,
    registry: new Registry(),
  });
  const labL2 = createCache({
    name: 'bench-l2',
    redis: connect(),
    keyPrefix: `${redis.prefix}lab2:`,
    l1: false,
    registry: new Registry(),
  });
  const bentoTiered = new BentoCache({
    default: 'tiered',
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(redisDriver({ connection: connect(), prefix: `${redis.prefix}bento1` }))
        .useBus(redisBusDriver({ connection: busConnection })),
    },
  });
  const bentoShared = new BentoCache({
    default: 'shared',
    stores: {
      shared: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000, serialize: false }))
        .useL2Layer(redisDriver({ connection: connect(), prefix: `${redis.prefix}bento3` }))
        .useBus(redisBusDriver({ connection: busConnection })),
    },
  });
  const bentoL2 = new BentoCache({
    default: 'l2',
    stores: {
      l2: bentostore().useL2Layer(redisDriver({ connection: connect(), prefix: `${redis.prefix}bento2` })),
    },
  });
  await Promise.all([labTiered.ready(), labL2.ready()]);

  const load = async () => link;
  const keyOf = (i: number) => `link:${i % L2_KEYS}`;
  // Warm both: the hot key in L1 + L2, and the L2 key space.
  await labTiered.getOrLoad('hot', load, { ttlMs: TTL_MS });
  await bentoTiered.getOrSet({ key: 'hot', factory: load, ttl: TTL_MS });
  await bentoShared.getOrSet({ key: 'hot', factory: load, ttl: TTL_MS });
  if ((await bentoShared.getOrSet({ key: 'hot', factory: load, ttl: TTL_MS })) !== link) {
    throw new Error('bentocache with serialize: false did not return the shared reference');
  }
  for (let i = 0; i < L2_KEYS; i += 1) {
    await labL2.getOrLoad(keyOf(i), load, { ttlMs: TTL_MS });
    await bentoL2.getOrSet({ key: keyOf(i), factory: load, ttl: TTL_MS });
  }

  let missCounter = 0;
  const measured = await alternate(
    [
      {
        name: 'lab L1 hit',
        measure: () => opsPerSecond(() => labTiered.getOrLoad('hot', load, { ttlMs: TTL_MS })),
      },
      {
        name: 'bentocache L1 hit',
        measure: () => opsPerSecond(() => bentoShared.getOrSet({ key: 'hot', factory: load, ttl: TTL_MS })),
      },
      {
        name: 'bentocache L1 hit, serialized (default; secondary)',
        measure: () => opsPerSecond(() => bentoTiered.getOrSet({ key: 'hot', factory: load, ttl: TTL_MS })),
      },
      {
        name: 'lab L2 hit',
        measure: () =>
          concurrentOpsPerSecond((i) => labL2.getOrLoad(keyOf(i), load, { ttlMs: TTL_MS }), CONCURRENCY),
      },
      {
        name: 'bentocache L2 hit',
        measure: () =>
          concurrentOpsPerSecond(
            (i) => bentoL2.getOrSet({ key: keyOf(i), factory: load, ttl: TTL_MS }),
            CONCURRENCY,
          ),
      },
      {
        name: 'lab miss',
        measure: () =>
          opsPerSecond(() => labTiered.getOrLoad(`miss:${missCounter++}`, load, { ttlMs: TTL_MS }), {
            batch: 100,
          }),
      },
      {
        name: 'bentocache miss',
        measure: () =>
          opsPerSecond(
            () => bentoTiered.getOrSet({ key: `miss:${missCounter++}`, factory: load, ttl: TTL_MS }),
            {
              batch: 100,
            },
          ),
      },
    ],
    { rounds: 7, warmupRounds: 1 },
  );

  await Promise.all([labTiered.close(), labL2.close()]);
  await bentoTiered.disconnectAll();
  await bentoShared.disconnectAll();
  await bentoL2.disconnectAll();
  for (const client of connections) client.disconnect();
  await redis.cleanup();

  const get = (name: string) => {
    const summary = measured.get(name);
    if (!summary) throw new Error(`missing variant ${name}`);
    return { name, ...summary };
  };
  const results: ResultRow[] = [];
  for (const [name, s] of measured) {
    const concurrent = name.includes('L2') ? ` (${CONCURRENCY} in flight)` : '';
    const shared = name === 'bentocache L1 hit' ? ' (serialize: false, shared reference)' : '';
    if (name.endsWith('miss')) {
      // A miss is reported as its cost: mean time per call (1e6 / ops per second).
      results.push({
        name,
        metric: 'time per miss',
        unit: 'µs',
        median: 1e6 / s.median,
        min: 1e6 / s.max,
        max: 1e6 / s.min,
      });
    } else {
      results.push(resultRow(`${name}${concurrent}${shared}`, 'throughput', 'ops/s', s));
    }
  }
  return {
    results,
    ratios: [
      ratioOf('lab/bentocache L1 hit', get('lab L1 hit'), get('bentocache L1 hit')),
      ratioOf(
        'lab/bentocache L1 hit, serialized (secondary)',
        get('lab L1 hit'),
        get('bentocache L1 hit, serialized (default; secondary)'),
      ),
      ratioOf('lab/bentocache L2 hit', get('lab L2 hit'), get('bentocache L2 hit')),
    ],
  };
});
