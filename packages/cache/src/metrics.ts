// Prometheus metrics of one cache instance.
// The hot path (an L1 hit costs well under a microsecond) cannot afford prom-client's per-call
// label hashing (~200 ns, measured), so the cache adds to tallies that @lab/metrics' scrapedCounter
// (the lab's one scrape-time counting primitive) adds to the prom-client counters at every scrape.
// Metrics are shared by name across instances in one registry; the `cache` label tells them apart.
import { histogram, scrapedCounter, type Tally, type TallyGroup } from '@lab/metrics';
import { register as globalRegistry, type Registry } from 'prom-client';

type Group = TallyGroup<string>;

/** A cache counter: this instance's tallies on it are added at every scrape (@lab/metrics). */
function flushedCounter(registry: Registry, name: string, help: string, labelNames: string[]): Group {
  return scrapedCounter(registry, { name, help, labelNames });
}

export type CacheMetrics = ReturnType<typeof createCacheMetrics>;

export function createCacheMetrics(name: string, registry: Registry = globalRegistry) {
  const tally = (group: Group, labels: Record<string, string>): Tally =>
    group.tally(Object.values(labels).join('\0'), () => ({ cache: name, ...labels }));

  const requests = flushedCounter(
    registry,
    'cache_requests_total',
    'Cache lookups by layer and result (hit, miss, stale = only an expired copy within grace).',
    ['cache', 'layer', 'result'],
  );
  const loads = flushedCounter(registry, 'cache_loads_total', 'Loader runs by result.', ['cache', 'result']);
  const coalesced = flushedCounter(
    registry,
    'cache_coalesced_total',
    'Calls that joined a load or L2 read already in flight in this process (single-flight).',
    ['cache'],
  );
  const lockWaits = flushedCounter(
    registry,
    'cache_lock_waits_total',
    'Loads that found another instance holding the Redis lock and waited: it filled L2 (filled), gave the lock up (acquired), or the wait ran out (timed_out).',
    ['cache', 'result'],
  );
  const earlyRefreshes = flushedCounter(
    registry,
    'cache_early_refreshes_total',
    'Background refreshes started by XFetch before expiry.',
    ['cache'],
  );
  const staleServed = flushedCounter(
    registry,
    'cache_stale_served_total',
    'Expired values served within grace, by reason (error, timeout).',
    ['cache', 'reason'],
  );
  const invalidations = flushedCounter(
    registry,
    'cache_invalidations_total',
    'Invalidations by kind (key, namespace, tag, resync) and origin (local, remote).',
    ['cache', 'kind', 'origin'],
  );
  const l2Errors = flushedCounter(
    registry,
    'cache_l2_errors_total',
    'Redis calls that failed or were refused by the open circuit breaker, by operation.',
    ['cache', 'op'],
  );
  const discarded = flushedCounter(
    registry,
    'cache_discarded_loads_total',
    'Loaded values returned to their callers but not cached: an invalidation landed after the load read its fences (fence), one reached this instance during a load that had no fence because Redis was unavailable (invalidated), or the load outlived its hard timeout (timed_out).',
    ['cache', 'reason'],
  );
  const loadDuration = histogram(registry, {
    name: 'cache_load_duration_seconds',
    help: 'Loader run time (the δ XFetch uses).',
    labelNames: ['cache'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  const l2ErrorTallies = new Map<string, Tally>();
  const invalidationTallies = new Map<string, Tally>();
  const metrics = {
    l1: {
      hit: tally(requests, { layer: 'l1', result: 'hit' }),
      miss: tally(requests, { layer: 'l1', result: 'miss' }),
      stale: tally(requests, { layer: 'l1', result: 'stale' }),
    },
    l2: {
      hit: tally(requests, { layer: 'l2', result: 'hit' }),
      miss: tally(requests, { layer: 'l2', result: 'miss' }),
      stale: tally(requests, { layer: 'l2', result: 'stale' }),
    },
    loads: {
      ok: tally(loads, { result: 'ok' }),
      notFound: tally(loads, { result: 'not_found' }),
      error: tally(loads, { result: 'error' }),
      timeout: tally(loads, { result: 'timeout' }),
    },
    coalesced: tally(coalesced, {}),
    discarded: {
      fence: tally(discarded, { reason: 'fence' }),
      invalidated: tally(discarded, { reason: 'invalidated' }),
      timedOut: tally(discarded, { reason: 'timed_out' }),
    },
    lockWaits: {
      filled: tally(lockWaits, { result: 'filled' }),
      acquired: tally(lockWaits, { result: 'acquired' }),
      timedOut: tally(lockWaits, { result: 'timed_out' }),
    },
    earlyRefreshes: tally(earlyRefreshes, {}),
    staleServed: {
      error: tally(staleServed, { reason: 'error' }),
      timeout: tally(staleServed, { reason: 'timeout' }),
    },
    observeLoad(seconds: number) {
      loadDuration.observe({ cache: name }, seconds);
    },
    invalidation(kind: 'key' | 'namespace' | 'tag' | 'resync', origin: 'local' | 'remote') {
      const key = `${kind}|${origin}`;
      let t = invalidationTallies.get(key);
      if (!t) {
        t = tally(invalidations, { kind, origin });
        invalidationTallies.set(key, t);
      }
      t.value += 1;
    },
    l2Error(op: string) {
      let t = l2ErrorTallies.get(op);
      if (!t) {
        t = tally(l2Errors, { op });
        l2ErrorTallies.set(op, t);
      }
      t.value += 1;
    },
    /**
     * Kept for close(): nothing to do. Counts not yet scraped stay pending on this instance's
     * tallies and reach the counters at the next scrape (or are lost if the closed cache is
     * garbage-collected first).
     */
    detach() {},
  };
  return metrics;
}
