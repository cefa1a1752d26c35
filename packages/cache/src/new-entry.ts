// A new cache entry from a loaded or set value: NOT_FOUND and undefined both mean "no such record"
// (cached for the shorter negative TTL); every TTL is jittered so keys written together do not
// expire together.
import { type Entry, NOT_FOUND } from './entry.ts';
import type { ResolvedOptions } from './options.ts';
import { jitteredTtl } from './ttl.ts';
import type { WriteOptions } from './types.ts';

/** `now` is when the value was read: a load's start, since the source may have changed while it ran. */
export function newEntry(
  o: ResolvedOptions,
  value: unknown,
  delta: number,
  options: WriteOptions | undefined,
  now = Date.now(),
): Entry {
  const notFound = value === NOT_FOUND || value === undefined;
  const ttl = jitteredTtl(notFound ? o.negativeTtlMs : (options?.ttlMs ?? o.ttlMs), o.ttlJitter);
  return {
    value: notFound ? undefined : value,
    notFound,
    createdAt: now,
    expiresAt: now + ttl,
    delta,
    tags: options?.tags,
  };
}
