// Hot-key stampede (catalogue §9 #4): one very hot key expires under load. With plain cache-aside
// every request that misses before the first reload lands goes to the database. Single-flight
// coalesces the misses of one process; the Redis lock coalesces them across processes; XFetch
// reloads the key shortly before it expires, so no reader waits at all.
import { createCache } from '@lab/cache';
import { testDependencies } from '@lab/testkit';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { Registry } from 'prom-client';
import { binnedBarsPerVariant } from '../chart.ts';
import { defineExperiment, type Row } from '../experiment.ts';
import { type LabRedis, labRedis, latencySummary, readyClient } from '../lab.ts';
import { binCounts, poisson, runSchedule } from '../load.ts';
import { seededRandom } from '../random.ts';

const INSTANCES = 4;
const RATE = 400;
const TTL_MS = 1000;
const QUERY_MS = 50;
const BIN_MS = 100;
const VARIANTS = [
  'no protection',
  'single-flight',
  'single-flight + lock',
  'single-flight + lock + XFetch',
] as const;
type Variant = (typeof VARIANTS)[number];

type Get = (key: string) => Promise<unknown>;
type Raw = { queries: Record<string, number[]>; durationMs: number };

export default defineExperiment<Raw>({
  name: 'stampede',
  title: 'Hot-key stampede: none vs single-flight vs lock vs XFetch',
  catalogue: '§9 #4',
  claim:
    'When a hot key expires under load, many requests miss at once and hit the database; a lock or single-flight turns the burst of N queries into 1. Source: 001 "When a hot key expires, thousands of requests may miss simultaneously", "Lock / singleflight — first miss rebuilds"; 002 "single-flight (one request fills, others wait)"; 003 "Probabilistic early recomputation" (XFetch).',
  setup: `${INSTANCES} cache instances (as ${INSTANCES} app processes would have), each with its own Redis connection, in front of the shared Postgres, where a load is \`SELECT pg_sleep(${QUERY_MS / 1000})\` (a ${QUERY_MS} ms query). TTL ${TTL_MS / 1000} s with no jitter, so the key expires every second. "No protection" is a plain GET / query / SET cache-aside written in the experiment; the others are @lab/cache: L1 only (single-flight within each instance), L1 + Redis (adds the cross-instance lock) and the same with XFetch early refresh (β = 1).`,
  variants: [...VARIANTS],
  load: `${RATE} req/s (Poisson) on one key, spread evenly over the ${INSTANCES} instances, 8 s per variant (3 s quick), variants one after another with the same arrivals.`,
  measured: 'database queries (in all, and per 100 ms), and read latency p50/p99/max.',
  verdictRule:
    "reproduced when no protection runs ≥ 5x the queries of the lock, the lock runs about one query per expiry (≤ 1.5 per expiry), and XFetch's p99 read latency is below the unprotected one; not reproduced otherwise.",
  expectedSeconds: { full: 40, quick: 16 },
  async run({ quick, seed, progress }) {
    const durationMs = quick ? 3000 : 8000;
    const arrivals = poisson(RATE, durationMs, seededRandom(seed));
    const { databaseUrl } = await testDependencies();
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 40 });
    pool.on('error', () => {});
    const redis = await labRedis('stampede');
    try {
      const rows: Row[] = [];
      const queries: Raw['queries'] = {};
      for (const [v, variant] of VARIANTS.entries()) {
        let started = performance.now();
        const queryTimes: number[] = [];
        const load = async () => {
          queryTimes.push(performance.now() - started);
          await pool.query('SELECT pg_sleep($1::float8 / 1000)', [QUERY_MS]);
          return { hot: 'value' };
        };
        const instances = await makeInstances(variant, redis, `${redis.prefix}v${v}:`, load);
        // Warm every instance first: the cold start is not the stampede under test.
        for (const get of instances.get) await get('hot-key');
        queryTimes.length = 0;
        started = performance.now();
        const latencies: number[] = [];
        await runSchedule(arrivals, async (i) => {
          const began = performance.now();
          await (instances.get[i % INSTANCES] as Get)('hot-key');
          latencies.push(performance.now() - began);
        });
        await instances.close();
        const latency = latencySummary(latencies);
        const expiries = Math.max(1, Math.floor((durationMs - 1) / TTL_MS));
        rows.push({
          variant,
          reads: latencies.length,
          'database queries': queryTimes.length,
          'queries per expiry': Math.round((queryTimes.length / expiries) * 10) / 10,
          'p50 ms': latency.p50,
          'p99 ms': latency.p99,
          'max ms': latency.max,
        });
        queries[variant] = queryTimes;
        progress.step(`${variant}: ${queryTimes.length} queries, p99 ${latency.p99} ms`);
      }
      return summarize(rows, queries, durationMs);
    } finally {
      await redis.cleanup();
      await pool.end();
    }
  },
  judge({ rows }) {
    const get = (variant: Variant, column: string) =>
      Number(rows.find((r) => r.variant === variant)?.[column]);
    const none = get('no protection', 'database queries');
    const lock = get('single-flight + lock', 'database queries');
    const lockPerExpiry = get('single-flight + lock', 'queries per expiry');
    const xfetchP99 = get('single-flight + lock + XFetch', 'p99 ms');
    const noneP99 = get('no protection', 'p99 ms');
    const reason = `Database queries: ${VARIANTS.map((v) => `${v} ${get(v, 'database queries')}`).join(', ')} (the lock: ${lockPerExpiry} per expiry). p99 read latency: no protection ${noneP99} ms, XFetch ${xfetchP99} ms.`;
    const ok = none >= 5 * lock && lockPerExpiry <= 1.5 && xfetchP99 < noneP99;
    return { verdict: ok ? 'reproduced' : 'not reproduced', reason };
  },
});

async function makeInstances(
  variant: Variant,
  redis: LabRedis,
  keyPrefix: string,
  load: () => Promise<unknown>,
): Promise<{ get: Get[]; close(): Promise<void> }> {
  const clients: Redis[] = await Promise.all(Array.from({ length: INSTANCES }, () => readyClient(redis)));
  if (variant === 'no protection') {
    // Plain cache-aside: the pattern without protection, as most code first writes it.
    const get = clients.map((client) => async (key: string) => {
      const cached = await client.get(`${keyPrefix}${key}`);
      if (cached !== null) return JSON.parse(cached);
      const value = await load();
      await client.set(`${keyPrefix}${key}`, JSON.stringify(value), 'PX', TTL_MS);
      return value;
    });
    return { get, close: async () => {} };
  }
  const caches = clients.map((client, i) =>
    createCache({
      name: `stampede-${i}`,
      redis: variant === 'single-flight' ? undefined : client,
      keyPrefix,
      ttlMs: TTL_MS,
      ttlJitter: 0,
      earlyRefresh: variant === 'single-flight + lock + XFetch' ? { beta: 1 } : false,
      registry: new Registry(),
    }),
  );
  return {
    get: caches.map((cache) => (key: string) => cache.getOrLoad(key, load)),
    close: async () => {
      await Promise.all(caches.map((cache) => cache.close()));
    },
  };
}

function summarize(rows: Row[], queries: Raw['queries'], durationMs: number) {
  const events = VARIANTS.flatMap((series) => (queries[series] ?? []).map((atMs) => ({ atMs, series })));
  const values: Row[] = binCounts(events, BIN_MS, durationMs + 500, VARIANTS).map(({ t, series, count }) => ({
    variant: series,
    t: t / 1000,
    queries: count,
  }));
  return {
    rows,
    raw: { queries, durationMs },
    notes: [
      'Each variant warms its instances before the load starts (that first load is not counted), so every query counted follows an expiry or an early refresh.',
    ],
    chart: {
      spec: binnedBarsPerVariant({
        y: 'queries',
        xTitle: 'time (s); database queries per 100 ms',
        binMs: BIN_MS,
        height: 80,
      }),
      values,
    },
  };
}
