// Every Redis key and channel the cache uses, built in one place so the layout is readable:
//   <prefix>k:<key>                 a value outside any namespace
//   <prefix>n:<ns>:<version>:<key>  a value in namespace <ns> at its current version
//   <prefix>l:<...>                 the stampede lock of the value key with the same tail
//   <prefix>f:<...>                 the fence of that value key (moved by every invalidation of it)
//   <prefix>nsv:<ns>                the version counter of a namespace (INCR drops the group)
//   <prefix>tag:<tag>               the set of value keys that carry a tag
//   <prefix>tf:<tag>                the fence of a tag (moved by invalidateTag)
//   <prefix>__invalidate            the pub/sub channel that tells every instance to drop L1 copies
// The first segment after the prefix differs per kind, so no user key can collide with another kind.
import { CacheOptionsError } from './errors.ts';

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export type Keyspace = {
  prefix: string;
  value(key: string): string;
  namespacedValue(key: string, namespace: string, version: number | string): string;
  lock(valueKey: string): string;
  fence(valueKey: string): string;
  tagFence(tag: string): string;
  namespaceVersion(namespace: string): string;
  tag(tag: string): string;
  channel: string;
};

export function createKeyspace(prefix: string): Keyspace {
  const valueHead = `${prefix}k:`;
  return {
    prefix,
    value: (key) => valueHead + key,
    namespacedValue: (key, namespace, version) => `${prefix}n:${namespace}:${version}:${key}`,
    lock: (valueKey) => `${prefix}l:${valueKey.slice(prefix.length)}`,
    fence: (valueKey) => `${prefix}f:${valueKey.slice(prefix.length)}`,
    tagFence: (tag) => `${prefix}tf:${tag}`,
    namespaceVersion: (namespace) => `${prefix}nsv:${namespace}`,
    tag: (tag) => `${prefix}tag:${tag}`,
    channel: `${prefix}__invalidate`,
  };
}

/**
 * Keys are the caller's own strings and may hold any character (the kind segment keeps them apart),
 * but a key is a Redis key, an L1 map key and part of every invalidation message, so one is capped:
 * a caller that builds keys from request input must not be able to make each of those megabytes long.
 */
export const MAX_KEY_LENGTH = 1_024;

export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new CacheOptionsError(`a cache key must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
  }
}

/**
 * Namespaces and tags end up inside keys, headers and messages, so they are restricted to a
 * plain alphabet (no ':', '|', ',' or spaces); a bad one fails loudly at the call that passed it.
 */
export function assertName(kind: 'namespace' | 'tag', name: string): void {
  if (!NAME.test(name)) {
    throw new CacheOptionsError(`${kind} "${name}" must match ${NAME} (letters, digits, _ . -)`);
  }
}
