// createCache: cache-aside with two layers, L1 (in-process LRU) in front of L2 (Redis).
//
// getOrLoad(key) walks: L1 fresh? -> return (maybe start an XFetch refresh in the background)
//   -> join or start the key's single flight: L2 fresh? -> fill L1, return
//   -> Redis lock (SET NX PX token, reading the key's fences) -> loader
//   -> fenced write to L2 + release lock in one script -> fill L1.
// Every invalidation (delete, set, tag) moves a fence in Redis, so a load that read the source
// before it can never write its stale value back, on any instance (see scripts.ts).
// Another instance holding the lock makes us poll (bounded) until it has filled L2.
// A stale copy within grace is served when the load fails or passes the soft timeout.
// Every Redis call goes through a circuit breaker and a failure only ever costs the layer:
// with Redis down the cache is an L1 + single-flight cache in front of the loader.
// This file wires the parts and owns invalidation; engine.ts holds the read and load paths.
import { randomUUID } from 'node:crypto';
import { createCircuitBreaker } from '@lab/resilience';
import { createEngine } from './engine.ts';
import { NOT_FOUND, NOT_IN_MEMORY, type NotFound, type NotInMemory } from './entry.ts';
import { CacheClosedError, CacheOptionsError } from './errors.ts';
import type { Flight } from './flight.ts';
import { createInvalidationBus, encodeInvalidation, type Invalidation } from './invalidation-bus.ts';
import { assertKey, assertName, createKeyspace } from './keys.ts';
import { createL1Store, type L1Store } from './l1-store.ts';
import { createL2Store } from './l2-store.ts';
import { type CacheMetrics, createCacheMetrics } from './metrics.ts';
import { createNamespaces } from './namespaces.ts';
import { type CacheOptions, DEFAULTS, resolveOptions } from './options.ts';
import type { BatchLoader, Cache, KeyOptions, Loader, WriteOptions } from './types.ts';

export type { BatchLoader, Cache, KeyOptions, LoadContext, Loader, WriteOptions } from './types.ts';

/**
 * The most keys one getOrLoadMany call takes: each key costs a flight, a lock and a fence read
 * in one script, so a caller that builds the list from request input must not make it unbounded.
 */
export const MAX_BATCH_KEYS = 1_000;

export function createCache(options: CacheOptions): Cache {
  const o = resolveOptions(options);
  const keyspace = createKeyspace(o.keyPrefix);
  const metrics = createCacheMetrics(o.name, options.registry);
  const l1 = o.l1 ? createL1Store(o.l1.maxEntries, o.l1.ttlMs) : undefined;
  const { breaker, l2 } = options.redis ? l2Behind(options, o, keyspace) : {};
  const namespaces = createNamespaces(l2, (op) => metrics.l2Error(op));
  const flights = new Map<string, Flight>();
  const origin = randomUUID();
  let closed = false;

  const engine = createEngine({ o, metrics, l1, l2, flights });

  const dropLocally = (message: Invalidation, from: 'local' | 'remote') =>
    dropFromThisInstance({ flights, l1, namespaces, metrics }, message, from);

  const bus = options.redis
    ? createInvalidationBus({
        subscriber: options.subscriber ?? options.redis.duplicate(),
        ownsSubscriber: options.subscriber === undefined,
        channel: keyspace.channel,
        origin,
        onInvalidation: (message) => dropLocally(message, 'remote'),
        onResync: () => {
          for (const flight of flights.values()) flight.invalidated = true;
          l1?.clear();
          namespaces.forget();
          metrics.invalidation('resync', 'remote');
        },
      })
    : undefined;

  const checkOpen = () => {
    if (closed) throw new CacheClosedError(o.name);
  };
  const keyOf = (key: string, namespace: string | undefined): string | Promise<string> => {
    assertKey(key);
    if (namespace === undefined) return keyspace.value(key);
    assertName('namespace', namespace);
    const version = namespaces.version(namespace);
    return typeof version === 'object'
      ? version.then((v) => keyspace.namespacedValue(key, namespace, v))
      : keyspace.namespacedValue(key, namespace, version);
  };
  const announce = (message: Invalidation) => encodeInvalidation(origin, message);

  return {
    name: o.name,
    breaker,
    async getOrLoad<T>(key: string, loader: Loader<T>, options?: WriteOptions): Promise<T | undefined> {
      checkOpen();
      checkLoad(loader, options);
      const valueKey = keyOf(key, options?.namespace);
      return engine.getOrLoad(
        typeof valueKey === 'string' ? valueKey : await valueKey,
        key,
        loader,
        options,
      ) as Promise<T | undefined>;
    },
    getFromMemory<T>(key: string, loader: Loader<T>, options?: WriteOptions): T | undefined | NotInMemory {
      checkOpen();
      checkLoad(loader, options);
      if (options?.namespace !== undefined) return NOT_IN_MEMORY;
      const found = engine.fromMemory(
        keyOf(key, undefined) as string,
        key,
        loader as Loader<unknown>,
        options,
      );
      return found as T | undefined | NotInMemory;
    },
    async getOrLoadMany<T>(
      keys: readonly string[],
      loadMany: BatchLoader<T>,
      options?: WriteOptions,
    ): Promise<(T | undefined)[]> {
      checkOpen();
      if (typeof loadMany !== 'function') throw new CacheOptionsError('loadMany must be a function');
      if (!Array.isArray(keys) || keys.length > MAX_BATCH_KEYS) {
        throw new CacheOptionsError(`getOrLoadMany takes an array of at most ${MAX_BATCH_KEYS} keys`);
      }
      checkWrite(options);
      if (keys.length === 0) return [];
      const valueKeys = await Promise.all(keys.map((key) => keyOf(key, options?.namespace)));
      return engine.getOrLoadMany(valueKeys, keys, loadMany, options);
    },
    async get<T>(key: string, options?: KeyOptions): Promise<T | undefined> {
      checkOpen();
      return engine.get(await keyOf(key, options?.namespace)) as T | undefined;
    },
    async getMany<T>(keys: readonly string[], options?: KeyOptions): Promise<(T | undefined)[]> {
      checkOpen();
      const valueKeys = await Promise.all(keys.map((key) => keyOf(key, options?.namespace)));
      return (await engine.getMany(valueKeys)) as (T | undefined)[];
    },
    async set<T>(key: string, value: T | NotFound, options?: WriteOptions): Promise<void> {
      checkOpen();
      checkWrite(options);
      const valueKey = await keyOf(key, options?.namespace);
      const entry = engine.entryFor(value, 0, options);
      // Whatever a load in flight read from the database is older than this value.
      const flight = flights.get(valueKey);
      if (flight) flight.invalidated = true;
      await engine.storeNewer(valueKey, entry, announce({ kind: 'keys', keys: [valueKey] }));
    },
    async delete(key: string, options?: KeyOptions): Promise<void> {
      checkOpen();
      const valueKey = await keyOf(key, options?.namespace);
      const message: Invalidation = { kind: 'keys', keys: [valueKey] };
      dropLocally(message, 'local');
      if (l2) await engine.attempt('delete', () => l2.delete([valueKey], announce(message)));
    },
    async invalidateNamespace(namespace: string): Promise<void> {
      checkOpen();
      assertName('namespace', namespace);
      await namespaces.bump(namespace, announce({ kind: 'namespace', namespace }));
      metrics.invalidation('namespace', 'local');
    },
    async invalidateTag(tag: string): Promise<void> {
      checkOpen();
      assertName('tag', tag);
      const message: Invalidation = { kind: 'tag', tag };
      dropLocally(message, 'local');
      if (l2) await engine.attempt('tag', () => l2.deleteTag(tag, announce(message)));
    },
    notFound: () => NOT_FOUND,
    ready: () => bus?.ready ?? Promise.resolve(),
    async close() {
      if (closed) return;
      closed = true;
      await bus?.close();
      l1?.clear();
      metrics.detach();
    },
  };
}

/** What getOrLoad and getFromMemory check of their arguments. */
function checkLoad(loader: unknown, options: WriteOptions | undefined): void {
  if (typeof loader !== 'function') throw new CacheOptionsError('the loader must be a function');
  checkWrite(options);
}

/** Per-call write options: a bad TTL would otherwise cache an entry that is born expired. */
function checkWrite(options: WriteOptions | undefined): void {
  if (options === undefined) return;
  const { ttlMs, tags } = options;
  if (ttlMs !== undefined && !(ttlMs > 0 && Number.isFinite(ttlMs))) {
    throw new CacheOptionsError('ttlMs must be a finite number > 0');
  }
  if (tags) for (const tag of tags) assertName('tag', tag);
}

/**
 * What an invalidation does in this process, whoever sent it: L1 copies go, and flights loading an
 * affected key are marked, so what they read is answered but not cached (it may predate the write).
 */
function dropFromThisInstance(
  parts: {
    flights: Map<string, Flight>;
    l1: L1Store | undefined;
    namespaces: ReturnType<typeof createNamespaces>;
    metrics: CacheMetrics;
  },
  message: Invalidation,
  from: 'local' | 'remote',
): void {
  const { flights, l1, namespaces, metrics } = parts;
  if (message.kind === 'keys') {
    for (const key of message.keys) {
      const flight = flights.get(key);
      if (flight) flight.invalidated = true;
      l1?.delete(key);
    }
    metrics.invalidation('key', from);
  } else if (message.kind === 'namespace') {
    namespaces.forget(message.namespace);
    metrics.invalidation('namespace', from);
  } else {
    for (const flight of flights.values()) if (flight.tags?.includes(message.tag)) flight.invalidated = true;
    l1?.deleteTagged(message.tag);
    metrics.invalidation('tag', from);
  }
}

/** L2 (Redis) behind its circuit breaker: the caller's breaker if given, else one of the cache's own. */
function l2Behind(
  options: CacheOptions,
  o: ReturnType<typeof resolveOptions>,
  keyspace: ReturnType<typeof createKeyspace>,
) {
  const redis = options.redis;
  if (!redis) throw new Error('l2Behind needs options.redis');
  const breaker =
    options.breaker ??
    createCircuitBreaker({ name: `cache-${o.name}-l2`, ...DEFAULTS.breaker, registry: options.registry });
  return { breaker, l2: createL2Store(redis, breaker, keyspace, o.serializer, o.fenceMs) };
}
