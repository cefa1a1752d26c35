// The redirect's read path: @lab/cache (in-process LRU, then Redis) in front of Postgres. A code
// read before is answered from memory without I/O; an unknown code is remembered as "not found"
// for a few seconds (a scanner hammering random codes reaches Postgres once per code per
// LINK_NEGATIVE_TTL_MS); concurrent misses of one code share one load (single-flight in the
// process, a Redis lock across instances). A target may be served up to 5 minutes stale while
// Postgres fails (stale-if-error): a redirect to a link that existed beats an error page.
import { type Cache, createCache, NOT_FOUND, type NotInMemory } from '@lab/cache';
import { counter, type Redis, type Registry } from '@lab/service-kit';
import type pg from 'pg';
import type { CachedLink } from '../domain/redirect.ts';
import { cachedFormOf, findLink, type LinkRow } from './links-repository.ts';

export type LinkCache = {
  cache: Cache;
  /** The link for a redirect: cache first, Postgres on a miss; undefined when there is none. */
  lookup(code: string): Promise<CachedLink | undefined>;
  /** The link if this process holds it, synchronously (undefined: known not to exist), else NOT_IN_MEMORY. */
  lookupInMemory(code: string): CachedLink | undefined | NotInMemory;
  /** Drops a cached entry (a remembered "not found") on every instance: after a create. */
  forget(code: string): Promise<void>;
  /** Writes the row's new form everywhere: after a delete, so every instance answers 410. */
  replace(link: LinkRow): Promise<void>;
};

export type LinkCacheOptions = {
  pool: pg.Pool;
  redis: Redis | undefined;
  keyPrefix: string;
  ttlMs: number;
  negativeTtlMs: number;
  l1MaxEntries: number;
  registry: Registry;
  /** L1 off: every read goes to Redis (the benchmark's L2-only row). */
  l1?: boolean;
};

export function createLinkCache(options: LinkCacheOptions): LinkCache {
  const cache = createCache({
    name: 'links',
    ...(options.redis ? { redis: options.redis } : {}),
    keyPrefix: options.keyPrefix,
    ttlMs: options.ttlMs,
    negativeTtlMs: options.negativeTtlMs,
    graceMs: 300_000,
    l1: options.l1 === false ? false : { maxEntries: options.l1MaxEntries },
    registry: options.registry,
  });
  // Counted here, at the one place a redirect can reach Postgres: the stampede test and the
  // "cached redirects never touch Postgres" claim read it.
  const reads = counter(options.registry, {
    name: 'url_link_db_reads_total',
    help: 'Link lookups that reached Postgres (cache misses that loaded).',
    labelNames: [],
  });
  const load = async ({ key }: { key: string }) => {
    reads.inc();
    const row = await findLink(options.pool, key);
    return row ? cachedFormOf(row) : NOT_FOUND;
  };
  return {
    cache,
    lookup: (code) => cache.getOrLoad<CachedLink>(code, load),
    // The loader goes along for an early refresh (XFetch) of a hot code.
    lookupInMemory: (code) => cache.getFromMemory<CachedLink>(code, load),
    forget: (code) => cache.delete(code),
    replace: (link) => cache.set(link.code, cachedFormOf(link)),
  };
}
