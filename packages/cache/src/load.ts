// The load step: call the loader under the flight's abort signal, time it (XFetch needs the
// duration), turn the result into an entry and hand it to the write-back. A failing loader
// releases the Redis lock and, when a stale copy exists, puts it on stale-if-error backoff in L1.
import type { Entry } from './entry.ts';
import { graceUntil } from './entry.ts';
import { CacheLoadTimeoutError } from './errors.ts';
import { armHardTimeout, type Flight } from './flight.ts';
import type { Fence } from './l2-store.ts';
import type { BatchParts } from './load-many.ts';
import type { Loader, WriteOptions } from './types.ts';

/** The engine's parts a load uses: the same ones a batch load (load-many.ts) is given. */
export type LoadParts = Pick<
  BatchParts,
  'o' | 'metrics' | 'l1' | 'l2' | 'attempt' | 'forget' | 'entryFor' | 'storeLoaded'
>;

/** What one load is for: the resolved and user keys, the loader, and the lock it holds (if any). */
export type LoadRequest = {
  key: string;
  userKey: string;
  loader: Loader<unknown>;
  options: WriteOptions | undefined;
  /** The Redis lock's token; '' when this instance loads without the lock. */
  token: string;
  /** The fences read with the lock; undefined without Redis, which leaves the write to L1. */
  fence: Fence | undefined;
};

export async function load(parts: LoadParts, flight: Flight, request: LoadRequest): Promise<Entry> {
  const { o, metrics, l1, l2, attempt, forget, entryFor, storeLoaded } = parts;
  const { key, userKey, loader, options, token, fence } = request;
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
