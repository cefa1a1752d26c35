// L2: the shared Redis layer. Every call goes through the circuit breaker, so while Redis is
// down or slow the cache stops waiting on it after a few failures and fails fast instead
// (the caller then falls through to the loader). Errors are thrown to the cache, which decides.
import type { CircuitBreaker } from '@lab/resilience';
import type { Redis } from 'ioredis';
import { decodeEntry, encodeEntry } from './codec.ts';
import type { Entry } from './entry.ts';
import type { Keyspace } from './keys.ts';
import { createReadBatcher } from './read-batcher.ts';
import * as scripts from './scripts.ts';
import type { Serializer } from './serializer.ts';

export type LockResult = { kind: 'acquired' } | { kind: 'busy' } | { kind: 'filled'; entry: Entry };

export type L2Store = {
  get(valueKey: string): Promise<Entry | undefined>;
  getMany(valueKeys: string[]): Promise<(Entry | undefined)[]>;
  lockOrGet(
    valueKey: string,
    token: string,
    lockTtlMs: number,
    now: number,
    knownCreatedAt: number,
  ): Promise<LockResult>;
  /** Writes the entry (ttl = how long Redis keeps it, grace included), releases `token`'s lock, publishes `message`. */
  write(valueKey: string, entry: Entry, ttlMs: number, token: string, message: string): Promise<void>;
  release(valueKey: string, token: string): Promise<void>;
  delete(valueKeys: string[], message: string): Promise<void>;
  namespaceVersion(namespace: string): Promise<number>;
  bumpNamespace(namespace: string, message: string): Promise<number>;
  deleteTag(tag: string, message: string): Promise<number>;
};

export function createL2Store(
  redis: Redis,
  breaker: CircuitBreaker,
  keyspace: Keyspace,
  serializer: Serializer,
): L2Store {
  const decode = (text: string | null) => (text === null ? undefined : decodeEntry(text, serializer));
  const guarded = <T>(call: () => Promise<T>): Promise<T> => breaker.execute(call);
  // One breaker call per batch: a batch is one Redis command.
  const read = createReadBatcher((keys) =>
    keys.length === 1
      ? guarded(() => redis.get(keys[0] as string)).then((value) => [value])
      : guarded(() => redis.mget(keys)),
  );
  return {
    get: async (valueKey) => decode(await read(valueKey)),
    getMany: (valueKeys) => guarded(async () => (await redis.mget(valueKeys)).map(decode)),
    lockOrGet: (valueKey, token, lockTtlMs, now, knownCreatedAt) =>
      guarded(async () => {
        const reply = await scripts.lockOrGet(
          redis,
          [valueKey, keyspace.lock(valueKey)],
          [token, lockTtlMs, now, knownCreatedAt],
        );
        if (reply === 1) return { kind: 'acquired' };
        if (typeof reply === 'string') {
          const entry = decode(reply);
          if (entry) return { kind: 'filled', entry };
        }
        return { kind: 'busy' };
      }),
    write: (valueKey, entry, ttlMs, token, message) => {
      // Encoded outside the breaker: a value the serializer rejects (a BigInt, a cycle) is the
      // caller's problem, not a sign that Redis is sick, and must not help open the breaker.
      const payload = encodeEntry(entry, serializer);
      return guarded(async () => {
        const tagKeys = entry.tags ? entry.tags.map(keyspace.tag) : [];
        await scripts.writeEntry(
          redis,
          [valueKey, keyspace.lock(valueKey), ...tagKeys],
          [payload, Math.max(1, Math.ceil(ttlMs)), token, message ? keyspace.channel : '', message],
        );
      });
    },
    release: (valueKey, token) =>
      guarded(async () => {
        await scripts.releaseLock(redis, [keyspace.lock(valueKey)], [token]);
      }),
    delete: (valueKeys, message) =>
      guarded(async () => {
        await scripts.deleteAndPublish(redis, valueKeys, [keyspace.channel, message]);
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
        Number(await scripts.deleteTag(redis, [keyspace.tag(tag)], [keyspace.channel, message])),
      ),
  };
}
