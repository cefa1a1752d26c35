// @lab/cache: two-level cache-aside (in-process LRU + Redis) with stampede protection
// (single-flight, Redis lock, XFetch), stale-while-revalidate / stale-if-error, invalidation over
// pub/sub, versioned namespaces, tags, and graceful degradation when Redis is down. See README.md.
export {
  type BatchLoader,
  type Cache,
  createCache,
  type KeyOptions,
  type LoadContext,
  type Loader,
  MAX_BATCH_KEYS,
  type WriteOptions,
} from './cache.ts';
export { NOT_FOUND, NOT_IN_MEMORY, type NotFound, type NotInMemory } from './entry.ts';
export {
  CACHE_ERROR_CODES,
  CacheClosedError,
  CacheError,
  type CacheErrorCode,
  CacheLoadTimeoutError,
  CacheOptionsError,
  isCacheClosed,
  isCacheError,
  isCacheLoadTimeout,
  isCacheOptionsError,
} from './errors.ts';
export { type CacheOptions, DEFAULTS as CACHE_DEFAULTS } from './options.ts';
export { jsonSerializer, type Serializer } from './serializer.ts';
