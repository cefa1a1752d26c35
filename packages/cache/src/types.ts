// The public types of @lab/cache: the Cache surface, loaders and per-call options.
import type { CircuitBreaker } from '@lab/resilience';
import type { NotFound, NotInMemory } from './entry.ts';
import type { BatchLoader } from './load-many.ts';

export type { BatchLoader } from './load-many.ts';

export type LoadContext = { signal: AbortSignal; key: string };
/** Returns the value, or NOT_FOUND (`cache.notFound()`) / undefined for "no such record". */
export type Loader<T> = (
  context: LoadContext,
) => Promise<T | NotFound | undefined> | T | NotFound | undefined;
export type KeyOptions = {
  /** A versioned namespace the key lives in (invalidated as a whole). @default none: the plain keyspace */
  namespace?: string;
};
export type WriteOptions = KeyOptions & {
  /** This entry's TTL (ms). @default the cache's `ttlMs` (60_000 unless set) */
  ttlMs?: number;
  /** Tags to invalidate the entry by. @default none */
  tags?: readonly string[];
};

export type Cache = {
  readonly name: string;
  /** The breaker guarding Redis (undefined without Redis). */
  readonly breaker: CircuitBreaker | undefined;
  /** The cached value, else the loader's (cached for next time); undefined = not found. */
  getOrLoad<T>(key: string, loader: Loader<T>, options?: WriteOptions): Promise<T | undefined>;
  /**
   * getOrLoad for many keys (at most MAX_BATCH_KEYS), answered in order: L1, then one Redis round
   * trip for the rest, then ONE `loadMany` call for the keys no one had, whose results are cached
   * with the same stampede lock and invalidation fences as getOrLoad's. A key `loadMany` leaves
   * out of its map is "not found". `options` apply to every key.
   */
  getOrLoadMany<T>(
    keys: readonly string[],
    loadMany: BatchLoader<T>,
    options?: WriteOptions,
  ): Promise<(T | undefined)[]>;
  /**
   * getOrLoad's first step alone, answered synchronously: the value when L1 holds it (undefined for
   * a remembered "not found"), starting an XFetch refresh with `loader` when one is due; otherwise
   * NOT_IN_MEMORY, and the caller goes on to getOrLoad. For a hot path where getOrLoad's promise
   * and microtask are a measurable share of the request (the URL shortener's redirect). Plain
   * keys only: a namespaced key's version may have to come from Redis, so it is NOT_IN_MEMORY.
   */
  getFromMemory<T>(key: string, loader: Loader<T>, options?: WriteOptions): T | undefined | NotInMemory;
  /** A fresh cached value or undefined; never loads. */
  get<T>(key: string, options?: KeyOptions): Promise<T | undefined>;
  /** get() for many keys: L1 first, then one MGET for the rest. */
  getMany<T>(keys: readonly string[], options?: KeyOptions): Promise<(T | undefined)[]>;
  /** Write-through helper: after writing the database, put the new value in both layers. */
  set<T>(key: string, value: T | NotFound, options?: WriteOptions): Promise<void>;
  /** Drops the key in L2 and in every instance's L1. */
  delete(key: string, options?: KeyOptions): Promise<void>;
  invalidateNamespace(namespace: string): Promise<void>;
  invalidateTag(tag: string): Promise<void>;
  notFound(): NotFound;
  /** Resolves once the invalidation subscriber is listening (at once without Redis). */
  ready(): Promise<void>;
  /** Stops listening for invalidations; the Redis connection passed in stays open (it is the caller's). */
  close(): Promise<void>;
};
