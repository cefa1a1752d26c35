// Step one of getOrLoad: what L1 can answer alone. A live record answers at once (a backoff record
// is stale-if-error, served while the source recovers); a fresh hit may also ask for an early
// refresh (XFetch), which the caller starts in the background. A record past its L1 life but
// within grace is handed on as `known`: the flight may serve it stale if the load is slow.
import { type Entry, graceUntil, isFresh } from './entry.ts';
import type { Flight } from './flight.ts';
import type { L1Store } from './l1-store.ts';
import type { CacheMetrics } from './metrics.ts';
import type { ResolvedOptions } from './options.ts';
import { shouldRefreshEarly } from './xfetch.ts';

/**
 * The answer of one lookup. One object per engine, rewritten by every lookup and read at once by
 * the caller: an L1 hit is the cache's hottest path (well under a microsecond), and allocating a
 * result per hit cost a visible share of it in bench/cache.bench.ts.
 */
export type L1Lookup = {
  /** 'answer': serve `entry` now; 'miss': go on to the flight, offering `known` as stale. */
  kind: 'answer' | 'miss';
  entry: Entry | undefined;
  /** On a fresh hit: XFetch asks for a background refresh. */
  refreshEarly: boolean;
  /** On a miss: a copy past its L1 life but within grace, or undefined. */
  known: Entry | undefined;
};

export type L1LookupParts = {
  o: ResolvedOptions;
  metrics: CacheMetrics;
  l1: L1Store;
  flights: Map<string, Flight>;
};

/** Returns the engine's lookup; its result object is reused (read it before the next lookup). */
export function createL1Lookup({ o, metrics, l1, flights }: L1LookupParts): (key: string) => L1Lookup {
  const result: L1Lookup = { kind: 'miss', entry: undefined, refreshEarly: false, known: undefined };
  const answer = (entry: Entry, refreshEarly: boolean): L1Lookup => {
    result.kind = 'answer';
    result.entry = entry;
    result.refreshEarly = refreshEarly;
    result.known = undefined;
    return result;
  };
  const miss = (known: Entry | undefined): L1Lookup => {
    result.kind = 'miss';
    result.entry = undefined;
    result.refreshEarly = false;
    result.known = known;
    return result;
  };
  return (key) => {
    const record = l1.get(key);
    if (record === undefined) {
      metrics.l1.miss.value += 1;
      return miss(undefined);
    }
    const now = Date.now();
    const entry = record.entry;
    if (now < record.until) {
      if (record.backoff) {
        metrics.l1.stale.value += 1;
        metrics.staleServed.error.value += 1;
        return answer(entry, false);
      }
      metrics.l1.hit.value += 1;
      const beta = o.earlyRefreshBeta;
      return answer(
        entry,
        beta !== undefined &&
          !flights.has(key) &&
          shouldRefreshEarly({
            now,
            expiresAt: entry.expiresAt,
            deltaMs: entry.delta,
            beta,
            random: Math.random,
          }),
      );
    }
    if (now < graceUntil(entry, o.graceMs)) {
      (isFresh(entry, now) ? metrics.l1.miss : metrics.l1.stale).value += 1;
      return miss(entry);
    }
    l1.delete(key);
    metrics.l1.miss.value += 1;
    return miss(undefined);
  };
}
