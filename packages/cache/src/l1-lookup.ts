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

export type L1Lookup =
  | { kind: 'answer'; entry: Entry; refreshEarly: boolean }
  | { kind: 'miss'; known: Entry | undefined };

export const L1_MISS: L1Lookup = { kind: 'miss', known: undefined };

export type L1LookupParts = {
  o: ResolvedOptions;
  metrics: CacheMetrics;
  l1: L1Store;
  flights: Map<string, Flight>;
};

export function lookupL1({ o, metrics, l1, flights }: L1LookupParts, key: string): L1Lookup {
  const record = l1.get(key);
  if (record === undefined) {
    metrics.l1.miss.value += 1;
    return L1_MISS;
  }
  const now = Date.now();
  const entry = record.entry;
  if (now < record.until) {
    if (record.backoff) {
      metrics.l1.stale.value += 1;
      metrics.staleServed.error.value += 1;
      return { kind: 'answer', entry, refreshEarly: false };
    }
    metrics.l1.hit.value += 1;
    const beta = o.earlyRefreshBeta;
    const refreshEarly =
      beta !== undefined &&
      !flights.has(key) &&
      shouldRefreshEarly({
        now,
        expiresAt: entry.expiresAt,
        deltaMs: entry.delta,
        beta,
        random: Math.random,
      });
    return { kind: 'answer', entry, refreshEarly };
  }
  if (now < graceUntil(entry, o.graceMs)) {
    (isFresh(entry, now) ? metrics.l1.miss : metrics.l1.stale).value += 1;
    return { kind: 'miss', known: entry };
  }
  l1.delete(key);
  metrics.l1.miss.value += 1;
  return L1_MISS;
}
