// Writing back: the last step of the read path (a load's result) and the whole of set(). L1 first,
// then Redis through the fenced scripts, so an invalidation that lands at any moment either deletes
// our copy or finds the write refused (see storeLoaded).
import { type Entry, graceUntil } from './entry.ts';
import type { Flight } from './flight.ts';
import type { L1Store } from './l1-store.ts';
import type { Attempt } from './l2-attempt.ts';
import type { Fence, L2Store } from './l2-store.ts';
import type { CacheMetrics } from './metrics.ts';
import type { ResolvedOptions } from './options.ts';

export type WriteBackParts = {
  o: ResolvedOptions;
  metrics: CacheMetrics;
  l1: L1Store | undefined;
  l2: L2Store | undefined;
  attempt: Attempt;
};

export function createWriteBack({ o, metrics, l1, l2, attempt }: WriteBackParts) {
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

  return { storeNewer, storeLoaded };
}
