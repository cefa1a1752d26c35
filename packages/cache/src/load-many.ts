// getOrLoadMany: the single-key load path, for many keys at once (a feed page hydrates ~50 posts;
// 50 getOrLoad calls would be 50 loader queries and 50 lock round trips). Per key the guarantees
// are the single-key path's:
//   L1 fresh -> answered. A key already loading in this process (by getOrLoad or another batch)
//   -> joins that flight. Every other key gets a flight of its own, so later callers join it too.
//   -> one lock script for all of them (Redis's MGET and lock in one round trip): a fresh L2 copy
//      is answered; otherwise the key's lock is taken or found held, and its fences are read
//   -> a bounded wait (polling the same script) for keys another instance is loading
//   -> ONE loader call for every key still missing
//   -> each key's fenced write, exactly as a single-key load's (an invalidation that landed after
//      the fences were read refuses it; the calls leave together, so ioredis pipelines them).
// Trade-offs: an L2 copy past its expiry is not offered as a stale fallback (the script returns
// fresh copies only; L1's stale copies are), and batches start no XFetch early refreshes.
import { randomUUID } from 'node:crypto';
import type { EngineParts } from './engine.ts';
import { type Entry, graceUntil, isFresh, type NotFound } from './entry.ts';
import { CacheOptionsError } from './errors.ts';
import {
  armHardTimeout,
  type Flight,
  type FlightTimeouts,
  offerStale,
  type Served,
  startFlight,
} from './flight.ts';
import { type Attempt, FAILED } from './l2-attempt.ts';
import type { Fence, L2Store } from './l2-store.ts';
import type { WriteOptions } from './types.ts';

/** Loads many records in one call; a key missing from the map is "not found" (cached briefly). */
export type BatchLoader<T> = (
  keys: string[],
  context: { signal: AbortSignal },
) => Promise<ReadonlyMap<string, T | NotFound | undefined>> | ReadonlyMap<string, T | NotFound | undefined>;

/** The engine's parts, and the steps of its single-key path that a batch reuses. */
export type BatchParts = EngineParts & {
  timeouts: FlightTimeouts;
  attempt: Attempt;
  forget: (key: string) => (flight: Flight) => void;
  entryFor: (value: unknown, delta: number, options: WriteOptions | undefined, now: number) => Entry;
  storeLoaded: (
    flight: Flight,
    key: string,
    entry: Entry,
    token: string,
    fence: Fence | undefined,
  ) => Promise<void>;
};

/** One key this batch loads: its flight, and what the lock script gave it. */
type Item = {
  key: string;
  userKey: string;
  flight: Flight;
  resolve: (entry: Entry) => void;
  reject: (error: unknown) => void;
  token: string;
  fence: Fence | undefined;
};

/** A fresh L1 answer, or the stale copy (within grace) to fall back on, or nothing. */
function fromL1(
  { o, metrics, l1 }: BatchParts,
  key: string,
  now: number,
): { served: Served } | { stale: Entry | undefined } {
  const record = l1?.get(key);
  if (record === undefined) {
    if (l1) metrics.l1.miss.value += 1;
    return { stale: undefined };
  }
  if (now < record.until) {
    (record.backoff ? metrics.l1.stale : metrics.l1.hit).value += 1;
    return { served: { entry: record.entry, stale: record.backoff ? 'error' : undefined } };
  }
  if (now < graceUntil(record.entry, o.graceMs)) {
    (isFresh(record.entry, now) ? metrics.l1.miss : metrics.l1.stale).value += 1;
    return { stale: record.entry };
  }
  l1?.delete(key);
  metrics.l1.miss.value += 1;
  return { stale: undefined };
}

function startItem(
  { flights, timeouts, forget }: BatchParts,
  key: string,
  userKey: string,
  stale: Entry | undefined,
  tags: WriteOptions['tags'],
): Item {
  const result = Promise.withResolvers<Entry>();
  const flight = startFlight(tags, stale, timeouts, () => result.promise, forget(key));
  flights.set(key, flight);
  return {
    key,
    userKey,
    flight,
    resolve: result.resolve,
    reject: result.reject,
    token: '',
    fence: undefined,
  };
}

/**
 * L2 and the cross-instance locks, for every item at once; returns the items left to load.
 * An item whose lock another instance holds is polled (bounded by lock.waitMs, like getOrLoad)
 * until that instance has written it or given the lock up.
 */
async function throughL2(
  { o, metrics, l1, attempt }: BatchParts,
  l2Store: L2Store,
  items: Item[],
  tags: WriteOptions['tags'],
): Promise<Item[]> {
  const token = randomUUID();
  const toLoad: Item[] = [];
  let waiting = items;
  let pause = 5;
  const deadline = Date.now() + o.lockWaitMs;
  for (let round = 0; waiting.length > 0; round += 1) {
    if (round > 0) {
      if (Date.now() >= deadline || waiting.every((item) => item.flight.timedOut)) break;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(pause, Math.max(1, deadline - Date.now()))),
      );
      pause = Math.min(pause * 2, 50);
    }
    const keys = waiting.map((item) => item.key);
    const results = await attempt('lock', () =>
      l2Store.lockManyOrGet(keys, tags, token, o.lockTtlMs, Date.now()),
    );
    if (results === FAILED) break;
    const busy: Item[] = [];
    results.forEach((result, j) => {
      const item = waiting[j] as Item;
      if (result.kind === 'filled') {
        (round === 0 ? metrics.l2.hit : metrics.lockWaits.filled).value += 1;
        if (!item.flight.invalidated) l1?.fill(item.key, result.entry, Date.now());
        item.resolve(result.entry);
        return;
      }
      if (round === 0) metrics.l2.miss.value += 1;
      item.fence = result.fence;
      if (result.kind === 'acquired') {
        if (round > 0) metrics.lockWaits.acquired.value += 1;
        item.token = token;
        toLoad.push(item);
      } else {
        busy.push(item);
      }
    });
    waiting = busy;
  }
  if (waiting.length > 0 && items.some((item) => item.fence))
    metrics.lockWaits.timedOut.value += waiting.length;
  return [...toLoad, ...waiting];
}

/** Releases an item's lock if it holds one (compare-and-delete: never someone else's). */
function releaser({ l2, attempt }: BatchParts) {
  return (item: Item) => {
    if (item.token && l2) void attempt('lock', () => l2.release(item.key, item.token));
  };
}

/** The loader failed: every item fails (or is served stale) and gives its lock back. */
function failAll(parts: BatchParts, items: Item[], error: unknown): void {
  const { o, metrics, l1 } = parts;
  const release = releaser(parts);
  for (const item of items) {
    (item.flight.timedOut ? metrics.loads.timeout : metrics.loads.error).value += 1;
    release(item);
    const stale = item.flight.stale;
    // Stale-if-error, as getOrLoad: serve the stale copy for a while before asking the source again.
    if (stale && l1) {
      l1.backoff(item.key, stale, Math.min(Date.now() + o.graceBackoffMs, graceUntil(stale, o.graceMs)));
    }
    item.reject(error);
  }
}

/** One loader call for every item, then each key's fenced write. */
async function load<T>(
  parts: BatchParts,
  items: Item[],
  loadMany: BatchLoader<T>,
  options: WriteOptions | undefined,
) {
  const { metrics } = parts;
  const release = releaser(parts);
  const live = items.filter((item) => !item.flight.timedOut);
  for (const item of items) if (item.flight.timedOut) release(item);
  if (live.length === 0) return;
  const controller = new AbortController();
  for (const item of live) item.flight.controller = controller;
  const readAt = Date.now();
  const started = performance.now();
  let values: ReadonlyMap<string, unknown>;
  try {
    values = await loadMany(
      live.map((item) => item.userKey),
      { signal: controller.signal },
    );
    if (!(values instanceof Map)) throw new CacheOptionsError('loadMany must return a Map of key to value');
  } catch (error) {
    failAll(parts, live, error);
    return;
  }
  const delta = performance.now() - started;
  metrics.observeLoad(delta / 1000);
  await Promise.all(
    live.map(async (item) => {
      const entry = parts.entryFor(values.get(item.userKey), delta, options, readAt);
      (entry.notFound ? metrics.loads.notFound : metrics.loads.ok).value += 1;
      await parts.storeLoaded(item.flight, item.key, entry, item.token, item.fence);
      item.resolve(entry);
    }),
  );
}

async function run<T>(
  parts: BatchParts,
  items: Item[],
  loadMany: BatchLoader<T>,
  options: WriteOptions | undefined,
) {
  const { o, l2, forget } = parts;
  try {
    for (const item of items) {
      armHardTimeout(item.flight, item.userKey, o.hardTimeoutMs, () => forget(item.key)(item.flight));
    }
    const missing = l2 ? await throughL2(parts, l2, items, options?.tags) : items;
    if (missing.length > 0) await load(parts, missing, loadMany, options);
  } catch (error) {
    // Settling an item twice is a no-op, so this only reaches the ones still waiting.
    for (const item of items) item.reject(error);
  }
}

/** Values for `keys` (value keys, with the caller's keys alongside), in order. */
export async function getOrLoadMany<T>(
  parts: BatchParts,
  keys: readonly string[],
  userKeys: readonly string[],
  loadMany: BatchLoader<T>,
  options: WriteOptions | undefined,
): Promise<(T | undefined)[]> {
  const { o, metrics, flights } = parts;
  const answers = new Map<string, Served | Promise<Served>>();
  const items: Item[] = [];
  const now = Date.now();
  keys.forEach((key, i) => {
    if (answers.has(key)) return;
    const l1Answer = fromL1(parts, key, now);
    if ('served' in l1Answer) {
      answers.set(key, l1Answer.served);
      return;
    }
    const joined = flights.get(key);
    if (joined) {
      metrics.coalesced.value += 1;
      if (l1Answer.stale) offerStale(joined, l1Answer.stale, o.softTimeoutMs);
      answers.set(key, joined.answer);
      return;
    }
    const item = startItem(parts, key, userKeys[i] as string, l1Answer.stale, options?.tags);
    items.push(item);
    answers.set(key, item.flight.answer);
  });
  if (items.length > 0) void run(parts, items, loadMany, options);
  const served = await Promise.all(keys.map((key) => answers.get(key) as Served | Promise<Served>));
  return served.map(({ entry, stale }) => {
    if (stale) metrics.staleServed[stale].value += 1;
    return (entry.notFound ? undefined : entry.value) as T | undefined;
  });
}
