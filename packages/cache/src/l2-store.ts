// L2: the shared Redis layer. Every call goes through the circuit breaker, so while Redis is
// down or slow the cache stops waiting on it after a few failures and fails fast instead
// (the caller then falls through to the loader). Errors are thrown to the cache, which decides.
import { randomUUID } from 'node:crypto';
import type { CircuitBreaker } from '@lab/resilience';
import type { Redis } from 'ioredis';
import { decodeEntry, encodeEntry } from './codec.ts';
import type { Entry } from './entry.ts';
import type { Keyspace } from './keys.ts';
import { createReadBatcher } from './read-batcher.ts';
import * as scripts from './scripts.ts';
import type { Serializer } from './serializer.ts';

/**
 * What a load read of its fences before calling the loader (Redis time, one token per fence: the
 * key's, then its tags'); its write is refused if any moved. See scripts.ts.
 */
export type Fence = { readAt: number; tokens: string[] };

export type LockResult =
  | { kind: 'acquired'; fence: Fence }
  | { kind: 'busy'; fence: Fence }
  | { kind: 'filled'; entry: Entry };

export type L2Store = {
  get(valueKey: string): Promise<Entry | undefined>;
  getMany(valueKeys: string[]): Promise<(Entry | undefined)[]>;
  lockOrGet(
    valueKey: string,
    tags: readonly string[] | undefined,
    token: string,
    lockTtlMs: number,
    now: number,
    knownCreatedAt: number,
  ): Promise<LockResult>;
  /** lockOrGet for a batch: one result per key, in order (the lock is taken with one token). */
  lockManyOrGet(
    valueKeys: string[],
    tags: readonly string[] | undefined,
    token: string,
    lockTtlMs: number,
    now: number,
  ): Promise<LockResult[]>;
  /**
   * Writes a loaded entry (ttl = how long Redis keeps it, grace included) unless a fence moved since
   * `fence` was read; releases `token`'s lock either way. False = refused: an invalidation won.
   */
  writeLoaded(valueKey: string, entry: Entry, ttlMs: number, token: string, fence: Fence): Promise<boolean>;
  /** Writes a value newer than any load in flight (set()), moving the key's fence; publishes `message`. */
  writeNewer(valueKey: string, entry: Entry, ttlMs: number, message: string): Promise<void>;
  release(valueKey: string, token: string): Promise<void>;
  delete(valueKeys: string[], message: string): Promise<void>;
  namespaceVersion(namespace: string): Promise<number>;
  bumpNamespace(namespace: string, message: string): Promise<number>;
  deleteTag(tag: string, message: string): Promise<number>;
};

/**
 * `fenceMs`: how long a fence outlives its invalidation, and so the oldest a load's fence reading
 * may be when it writes (an older load's write is refused).
 */
export function createL2Store(
  redis: Redis,
  breaker: CircuitBreaker,
  keyspace: Keyspace,
  serializer: Serializer,
  fenceMs: number,
): L2Store {
  const decode = (text: string | null) => (text === null ? undefined : decodeEntry(text, serializer));
  const guarded = <T>(call: () => Promise<T>): Promise<T> => breaker.execute(call);
  // The fences a load of `valueKey` reads and its write checks: the key's own, then one per tag.
  const fenceKeys = (valueKey: string, tags: readonly string[] | undefined) =>
    tags ? [keyspace.fence(valueKey), ...tags.map(keyspace.tagFence)] : [keyspace.fence(valueKey)];
  const tagSets = (entry: Entry) => (entry.tags ? entry.tags.map(keyspace.tag) : []);
  const wholeMs = (ms: number) => Math.max(1, Math.ceil(ms));
  // One breaker call per batch: a batch is one Redis command.
  const read = createReadBatcher((keys) =>
    keys.length === 1
      ? guarded(() => redis.get(keys[0] as string)).then((value) => [value])
      : guarded(() => redis.mget(keys)),
  );
  return {
    get: async (valueKey) => decode(await read(valueKey)),
    getMany: (valueKeys) => guarded(async () => (await redis.mget(valueKeys)).map(decode)),
    lockOrGet: (valueKey, tags, token, lockTtlMs, now, knownCreatedAt) =>
      guarded(async () => {
        const reply = await scripts.lockOrGet(
          redis,
          [valueKey, keyspace.lock(valueKey), ...fenceKeys(valueKey, tags)],
          [token, lockTtlMs, now, knownCreatedAt],
        );
        if (typeof reply === 'string') {
          const entry = decode(reply);
          // An entry we cannot decode was not "filled": retry, as if the lock were busy.
          return entry ? { kind: 'filled', entry } : { kind: 'busy', fence: { readAt: 0, tokens: [] } };
        }
        const [acquired, readAt, ...tokens] = reply as [number, number, ...string[]];
        return { kind: acquired === 1 ? 'acquired' : 'busy', fence: { readAt, tokens } };
      }),
    lockManyOrGet: (valueKeys, tags, token, lockTtlMs, now) =>
      guarded(async () => {
        const tagFences = tags ? tags.map(keyspace.tagFence) : [];
        const perKey = valueKeys.flatMap((key) => [key, keyspace.lock(key), keyspace.fence(key)]);
        const reply = (await scripts.lockManyOrGet(
          redis,
          [...tagFences, ...perKey],
          [token, lockTtlMs, now, tagFences.length],
        )) as (string | number)[];
        const readAt = reply[0] as number;
        const tagTokens = reply.slice(1, 1 + tagFences.length) as string[];
        return valueKeys.map((_, i): LockResult => {
          const status = reply[1 + tagFences.length + 2 * i];
          const fence = { readAt, tokens: [reply[2 + tagFences.length + 2 * i] as string, ...tagTokens] };
          if (typeof status === 'string') {
            const entry = decode(status);
            return entry ? { kind: 'filled', entry } : { kind: 'busy', fence };
          }
          return { kind: status === 1 ? 'acquired' : 'busy', fence };
        });
      }),
    writeLoaded: (valueKey, entry, ttlMs, token, fence) => {
      // Encoded outside the breaker: a value the serializer rejects (a BigInt, a cycle) is the
      // caller's problem, not a sign that Redis is sick, and must not help open the breaker.
      const payload = encodeEntry(entry, serializer);
      return guarded(async () => {
        const fences = fenceKeys(valueKey, entry.tags);
        const reply = await scripts.writeLoaded(
          redis,
          [valueKey, keyspace.lock(valueKey), ...fences, ...tagSets(entry)],
          [payload, wholeMs(ttlMs), token, fence.readAt, fenceMs, fences.length, ...fence.tokens],
        );
        return reply === 1;
      });
    },
    writeNewer: (valueKey, entry, ttlMs, message) => {
      const payload = encodeEntry(entry, serializer);
      return guarded(async () => {
        await scripts.writeNewer(
          redis,
          [valueKey, keyspace.fence(valueKey), ...tagSets(entry)],
          [payload, wholeMs(ttlMs), randomUUID(), fenceMs, keyspace.channel, message],
        );
      });
    },
    release: (valueKey, token) =>
      guarded(async () => {
        await scripts.releaseLock(redis, [keyspace.lock(valueKey)], [token]);
      }),
    delete: (valueKeys, message) =>
      guarded(async () => {
        await scripts.deleteAndPublish(
          redis,
          [...valueKeys, ...valueKeys.map(keyspace.lock), ...valueKeys.map(keyspace.fence)],
          [keyspace.channel, message, randomUUID(), fenceMs],
        );
      }),
    namespaceVersion: (namespace) =>
      guarded(async () => Number((await redis.get(keyspace.namespaceVersion(namespace))) ?? 0)),
    bumpNamespace: (namespace, message) =>
      guarded(async () =>
        Number(
          await scripts.bumpNamespace(
            redis,
            [keyspace.namespaceVersion(namespace)],
            [keyspace.channel, message],
          ),
        ),
      ),
    deleteTag: (tag, message) =>
      guarded(async () =>
        Number(
          await scripts.deleteTag(
            redis,
            [keyspace.tag(tag), keyspace.tagFence(tag)],
            [keyspace.channel, message, randomUUID(), fenceMs],
          ),
        ),
      ),
  };
}
