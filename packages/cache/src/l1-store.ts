// L1: the in-process LRU (lru-cache, bounded by entries). It holds entries by reference, so an
// L1 hit costs a map lookup and no deserialization; the price is that callers must treat cached
// values as read-only (a mutation would be seen by every later reader in this process).
// A record is served as fresh until `until`: the entry's expiry, capped by l1.ttlMs, or, after a
// failed load, a short back-off during which the stale copy is served without retrying the source.
import { LRUCache } from 'lru-cache';
import type { Entry } from './entry.ts';

export type L1Record = { entry: Entry; until: number; backoff: boolean };

export type L1Store = {
  get(key: string): L1Record | undefined;
  fill(key: string, entry: Entry, now: number): void;
  /** Serves `stale` without asking the source again until `until`. */
  backoff(key: string, stale: Entry, until: number): void;
  delete(key: string): void;
  /** Drops every entry that carries `tag`: a scan, fine for a rare operation on a bounded LRU. */
  deleteTagged(tag: string): void;
  clear(): void;
  readonly size: number;
};

export function createL1Store(maxEntries: number, ttlMs: number | undefined): L1Store {
  const lru = new LRUCache<string, L1Record>({ max: maxEntries });
  return {
    get: (key) => lru.get(key),
    fill(key, entry, now) {
      const until = ttlMs === undefined ? entry.expiresAt : Math.min(entry.expiresAt, now + ttlMs);
      lru.set(key, { entry, until, backoff: false });
    },
    backoff(key, stale, until) {
      lru.set(key, { entry: stale, until, backoff: true });
    },
    delete(key) {
      lru.delete(key);
    },
    deleteTagged(tag) {
      const doomed: string[] = [];
      for (const [key, record] of lru.entries()) if (record.entry.tags?.includes(tag)) doomed.push(key);
      for (const key of doomed) lru.delete(key);
    },
    clear() {
      lru.clear();
    },
    get size() {
      return lru.size;
    },
  };
}
