// The read path and the load path of one cache, on resolved value keys (createCache resolves
// namespaces and owns invalidation). L1 lookup with XFetch, single flight, L2 read, the Redis
// lock with a bounded wait, the loader, and the fenced write back; a Redis failure only skips a layer.
import { answerOf, type Entry, graceUntil, isNewerFresh, NOT_IN_MEMORY } from './entry.ts';
import { armHardTimeout, type Flight, offerStale, startFlight } from './flight.ts';
import { createL1Lookup, type L1Lookup } from './l1-lookup.ts';
import type { L1Store } from './l1-store.ts';
import { createAttempt, FAILED } from './l2-attempt.ts';
import type { Fence, L2Store } from './l2-store.ts';
import { load } from './load.ts';
import { type BatchLoader, getOrLoadMany as loadBatch } from './load-many.ts';
import { lockForLoad } from './lock-wait.ts';
import type { CacheMetrics } from './metrics.ts';
import { newEntry } from './new-entry.ts';
import type { ResolvedOptions } from './options.ts';
import { readMany, readOne } from './plain-read.ts';
import type { Loader, WriteOptions } from './types.ts';
import { createWriteBack } from './write-back.ts';

export type Engine = ReturnType<typeof createEngine>;

export type EngineParts = {
  o: ResolvedOptions;
  metrics: CacheMetrics;
  l1: L1Store | undefined;
  l2: L2Store | undefined;
  flights: Map<string, Flight>;
};

/** The read path and the load path, on resolved value keys. */
export function createEngine({ o, metrics, l1, l2, flights }: EngineParts) {
  const timeouts = { softTimeoutMs: o.softTimeoutMs, hardTimeoutMs: o.hardTimeoutMs };
  const forget = (key: string) => (flight: Flight) => {
    if (flights.get(key) === flight) flights.delete(key);
  };

  const entryFor = (value: unknown, delta: number, options: WriteOptions | undefined, now?: number) =>
    newEntry(o, value, delta, options, now);
  const attempt = createAttempt(metrics);
  const lookupL1 = l1 ? createL1Lookup({ o, metrics, l1, flights }) : undefined;

  const { storeNewer, storeLoaded } = createWriteBack({ o, metrics, l1, l2, attempt });
  const loadParts = { o, metrics, l1, l2, attempt, forget, entryFor, storeLoaded };

  function startLoad(
    key: string,
    userKey: string,
    loader: Loader<unknown>,
    options: WriteOptions | undefined,
    stale: Entry | undefined,
    refreshOf: Entry | undefined,
  ): Flight {
    const flight = startFlight(
      options?.tags,
      stale,
      timeouts,
      (f) => fly(f, key, userKey, loader, options, refreshOf),
      forget(key),
    );
    flights.set(key, flight);
    return flight;
  }

  /**
   * The body of a flight. `refreshOf` is set for an early (XFetch) refresh: then only an L2 copy
   * newer than the one being refreshed counts, since the current one is still fresh.
   */
  async function fly(
    flight: Flight,
    key: string,
    userKey: string,
    loader: Loader<unknown>,
    options: WriteOptions | undefined,
    refreshOf: Entry | undefined,
  ): Promise<Entry> {
    const foreground = refreshOf === undefined;
    let token = '';
    let fence: Fence | undefined;
    if (l2) {
      const stored = await attempt('get', () => l2.get(key));
      if (stored !== FAILED) {
        const now = Date.now();
        if (stored && isNewerFresh(stored, refreshOf, now)) {
          if (foreground) metrics.l2.hit.value += 1;
          if (!flight.invalidated) l1?.fill(key, stored, now);
          return stored;
        }
        const usable = stored !== undefined && now < graceUntil(stored, o.graceMs);
        if (usable) offerStale(flight, stored, o.softTimeoutMs);
        if (foreground) (usable ? metrics.l2.stale : metrics.l2.miss).value += 1;
        armHardTimeout(flight, userKey, o.hardTimeoutMs, () => forget(key)(flight));
        const lock = await lockForLoad({ l2, o, metrics, attempt }, flight, key, refreshOf?.createdAt ?? 0);
        if (lock.kind === 'filled') {
          if (!flight.invalidated) l1?.fill(key, lock.entry, Date.now());
          return lock.entry;
        }
        fence = lock.fence;
        if (lock.kind === 'acquired') token = lock.token;
      }
    }
    return load(loadParts, flight, { key, userKey, loader, options, token, fence });
  }

  /**
   * getOrLoad's first step, synchronous: L1's answer (starting an XFetch refresh when one is due),
   * or undefined when L1 cannot answer. The lookup object is reused: read it before the next call.
   */
  function fromL1(
    key: string,
    userKey: string,
    loader: Loader<unknown>,
    options: WriteOptions | undefined,
  ): L1Lookup | undefined {
    if (!lookupL1) return undefined;
    const found = lookupL1(key);
    if (found.kind === 'answer' && found.entry && found.refreshEarly) {
      metrics.earlyRefreshes.value += 1;
      startLoad(key, userKey, loader, options, found.entry, found.entry);
    }
    return found;
  }

  /** The value when L1 answers (undefined for a remembered "not found"), else NOT_IN_MEMORY. */
  function fromMemory(
    key: string,
    userKey: string,
    loader: Loader<unknown>,
    options: WriteOptions | undefined,
  ): unknown {
    const found = fromL1(key, userKey, loader, options);
    return found?.kind === 'answer' && found.entry ? answerOf(found.entry) : NOT_IN_MEMORY;
  }

  async function getOrLoad(
    key: string,
    userKey: string,
    loader: Loader<unknown>,
    options: WriteOptions | undefined,
  ): Promise<unknown> {
    const found = fromL1(key, userKey, loader, options);
    if (found?.kind === 'answer' && found.entry) return answerOf(found.entry);
    const known = found?.known;
    let flight = flights.get(key);
    if (flight) {
      metrics.coalesced.value += 1;
      if (known) offerStale(flight, known, o.softTimeoutMs);
    } else {
      flight = startLoad(key, userKey, loader, options, known, undefined);
    }
    const served = await flight.answer;
    if (served.stale) metrics.staleServed[served.stale].value += 1;
    return answerOf(served.entry);
  }

  const reads = { metrics, l1, l2, attempt };
  const get = (key: string) => readOne(reads, key);
  const getMany = (keys: string[]) => readMany(reads, keys);

  const batchParts = { o, metrics, l1, l2, flights, timeouts, attempt, forget, entryFor, storeLoaded };
  const getOrLoadMany = <T>(
    keys: readonly string[],
    userKeys: readonly string[],
    loadMany: BatchLoader<T>,
    options: WriteOptions | undefined,
  ) => loadBatch(batchParts, keys, userKeys, loadMany, options);

  return { fromMemory, getOrLoad, getOrLoadMany, get, getMany, storeNewer, attempt, entryFor };
}
