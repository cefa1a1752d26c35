// The read path and the load path of one cache, on resolved value keys (createCache resolves
// namespaces and owns invalidation). L1 lookup with XFetch, single flight, L2 read, the Redis
// lock with a bounded wait, the loader, and the fenced write back; a Redis failure only skips a layer.
import { type Entry, graceUntil, isFresh, isNewerFresh, NOT_FOUND } from './entry.ts';
import { CacheLoadTimeoutError } from './errors.ts';
import { armHardTimeout, type Flight, offerStale, startFlight } from './flight.ts';
import type { L1Store } from './l1-store.ts';
import { createAttempt, FAILED } from './l2-attempt.ts';
import type { Fence, L2Store } from './l2-store.ts';
import { type BatchLoader, getOrLoadMany as loadBatch } from './load-many.ts';
import { lockForLoad } from './lock-wait.ts';
import type { CacheMetrics } from './metrics.ts';
import type { ResolvedOptions } from './options.ts';
import { jitteredTtl } from './ttl.ts';
import type { Loader, WriteOptions } from './types.ts';
import { shouldRefreshEarly } from './xfetch.ts';

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
  const beta = o.earlyRefreshBeta;
  const answer = (entry: Entry): unknown => (entry.notFound ? undefined : entry.value);
  const forget = (key: string) => (flight: Flight) => {
    if (flights.get(key) === flight) flights.delete(key);
  };

  /**
   * A new entry; NOT_FOUND and undefined both mean "no such record". `now` is when its value was
   * read: a load's start, since the source may have changed while the loader ran.
   */
  function entryFor(
    value: unknown,
    delta: number,
    options: WriteOptions | undefined,
    now = Date.now(),
  ): Entry {
    const notFound = value === NOT_FOUND || value === undefined;
    const ttl = jitteredTtl(notFound ? o.negativeTtlMs : (options?.ttlMs ?? o.ttlMs), o.ttlJitter);
    return {
      value: notFound ? undefined : value,
      notFound,
      createdAt: now,
      expiresAt: now + ttl,
      delta,
      tags: options?.tags,
    };
  }

  const attempt = createAttempt(metrics);

  /** set(): the value is newer than anything in flight; L1 first, then L2 (moving the key's fence). */
  async function storeNewer(key: string, entry: Entry, message: string): Promise<void> {
    const now = Date.now();
    l1?.fill(key, entry, now);
    if (!l2) return;
    // Redis keeps the entry through its grace period, so it can still be served stale.
    const keepMs = graceUntil(entry, o.graceMs) - now;
    await attempt('set', () => l2.writeNewer(key, entry, keepMs, message));
  }

  /**
   * Caches what a load read, unless an invalidation landed after the load read its fences.
   * The fenced script in Redis decides, for every instance; L1 is filled just before it and
   * taken back if Redis refuses, so an invalidation message that arrives at any moment either
   * deletes our copy or finds the write refused. (A message that arrives during the load may be
   * for an invalidation older than the load; only the fence can tell, so it is not trusted here.)
   * Without a fence reading (no Redis, or it failed before the load) the local flag decides, and
   * L1 alone is filled: the degraded L1 + single-flight cache.
   */
  async function storeLoaded(
    flight: Flight,
    key: string,
    entry: Entry,
    token: string,
    fence: Fence | undefined,
  ): Promise<void> {
    if (flight.timedOut) {
      // Its callers are gone and a newer flight may be loading: answer nobody's cache.
      metrics.discarded.timedOut.value += 1;
      if (token && l2) void attempt('lock', () => l2.release(key, token));
      return;
    }
    if (!l2 || !fence) {
      if (token && l2) void attempt('lock', () => l2.release(key, token));
      if (flight.invalidated) metrics.discarded.invalidated.value += 1;
      else l1?.fill(key, entry, Date.now());
      return;
    }
    l1?.fill(key, entry, Date.now());
    const keepMs = graceUntil(entry, o.graceMs) - Date.now();
    const written = await attempt('set', () => l2.writeLoaded(key, entry, keepMs, token, fence));
    if (written === false) {
      metrics.discarded.fence.value += 1;
      if (l1?.get(key)?.entry === entry) l1.delete(key);
    }
  }

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
    return load(flight, key, userKey, loader, options, token, fence);
  }

  async function load(
    flight: Flight,
    key: string,
    userKey: string,
    loader: Loader<unknown>,
    options: WriteOptions | undefined,
    token: string,
    fence: Fence | undefined,
  ): Promise<Entry> {
    armHardTimeout(flight, userKey, o.hardTimeoutMs, () => forget(key)(flight));
    if (flight.timedOut) {
      // The hard timeout fired during the lock wait: callers are gone, a newer flight may be loading.
      if (token && l2) void attempt('lock', () => l2.release(key, token));
      throw new CacheLoadTimeoutError(userKey, o.hardTimeoutMs);
    }
    const controller = new AbortController();
    flight.controller = controller;
    const readAt = Date.now();
    const started = performance.now();
    let result: unknown;
    try {
      result = await loader({ signal: controller.signal, key: userKey });
    } catch (error) {
      (flight.timedOut ? metrics.loads.timeout : metrics.loads.error).value += 1;
      if (token && l2) void attempt('lock', () => l2.release(key, token));
      // Stale-if-error: keep serving the stale copy for a while before trying the source again.
      if (flight.stale && l1) {
        const now = Date.now();
        l1.backoff(key, flight.stale, Math.min(now + o.graceBackoffMs, graceUntil(flight.stale, o.graceMs)));
      }
      throw error;
    }
    const delta = performance.now() - started;
    metrics.observeLoad(delta / 1000);
    const entry = entryFor(result, delta, options, readAt);
    (entry.notFound ? metrics.loads.notFound : metrics.loads.ok).value += 1;
    // Invalidated while we loaded, what we read may predate the write: answer, but don't cache.
    await storeLoaded(flight, key, entry, token, fence);
    return entry;
  }

  async function getOrLoad(
    key: string,
    userKey: string,
    loader: Loader<unknown>,
    options: WriteOptions | undefined,
  ): Promise<unknown> {
    let known: Entry | undefined;
    if (l1) {
      const record = l1.get(key);
      if (record === undefined) {
        metrics.l1.miss.value += 1;
      } else {
        const now = Date.now();
        const entry = record.entry;
        if (now < record.until) {
          if (record.backoff) {
            metrics.l1.stale.value += 1;
            metrics.staleServed.error.value += 1;
          } else {
            metrics.l1.hit.value += 1;
            if (
              beta !== undefined &&
              !flights.has(key) &&
              shouldRefreshEarly({
                now,
                expiresAt: entry.expiresAt,
                deltaMs: entry.delta,
                beta,
                random: Math.random,
              })
            ) {
              metrics.earlyRefreshes.value += 1;
              startLoad(key, userKey, loader, options, entry, entry);
            }
          }
          return answer(entry);
        }
        if (now < graceUntil(entry, o.graceMs)) {
          known = entry;
          (isFresh(entry, now) ? metrics.l1.miss : metrics.l1.stale).value += 1;
        } else {
          l1.delete(key);
          metrics.l1.miss.value += 1;
        }
      }
    }
    let flight = flights.get(key);
    if (flight) {
      metrics.coalesced.value += 1;
      if (known) offerStale(flight, known, o.softTimeoutMs);
    } else {
      flight = startLoad(key, userKey, loader, options, known, undefined);
    }
    const served = await flight.answer;
    if (served.stale) metrics.staleServed[served.stale].value += 1;
    return answer(served.entry);
  }

  async function get(key: string): Promise<unknown> {
    const now = Date.now();
    if (l1) {
      const record = l1.get(key);
      if (record && now < record.until && !record.backoff) {
        metrics.l1.hit.value += 1;
        return answer(record.entry);
      }
      metrics.l1.miss.value += 1;
    }
    if (!l2) return undefined;
    const stored = await attempt('get', () => l2.get(key));
    if (stored === FAILED) return undefined;
    if (stored && isFresh(stored, Date.now())) {
      metrics.l2.hit.value += 1;
      l1?.fill(key, stored, Date.now());
      return answer(stored);
    }
    metrics.l2.miss.value += 1;
    return undefined;
  }

  async function getMany(keys: string[]): Promise<unknown[]> {
    const values: unknown[] = new Array(keys.length).fill(undefined);
    const missing: number[] = [];
    const now = Date.now();
    keys.forEach((key, i) => {
      const record = l1?.get(key);
      if (record && now < record.until && !record.backoff) {
        metrics.l1.hit.value += 1;
        values[i] = answer(record.entry);
      } else {
        if (l1) metrics.l1.miss.value += 1;
        missing.push(i);
      }
    });
    if (!l2 || missing.length === 0) return values;
    const stored = await attempt('get', () => l2.getMany(missing.map((i) => keys[i] as string)));
    if (stored === FAILED) return values;
    const after = Date.now();
    stored.forEach((entry, j) => {
      const i = missing[j] as number;
      if (entry && isFresh(entry, after)) {
        metrics.l2.hit.value += 1;
        l1?.fill(keys[i] as string, entry, after);
        values[i] = answer(entry);
      } else {
        metrics.l2.miss.value += 1;
      }
    });
    return values;
  }

  const batchParts = { o, metrics, l1, l2, flights, timeouts, attempt, forget, entryFor, storeLoaded };
  const getOrLoadMany = <T>(
    keys: readonly string[],
    userKeys: readonly string[],
    loadMany: BatchLoader<T>,
    options: WriteOptions | undefined,
  ) => loadBatch(batchParts, keys, userKeys, loadMany, options);

  return { getOrLoad, getOrLoadMany, get, getMany, storeNewer, attempt, entryFor };
}
