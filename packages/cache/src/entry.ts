// What the cache stores for one key, in both layers, and the pure rules about its age.
// `createdAt` orders two copies of a key (newer wins); `delta` is how long the load took,
// which XFetch needs to decide how early to recompute.

/** Loaders return this (or `cache.notFound()`) to say "no such record"; it is cached briefly. */
export const NOT_FOUND: unique symbol = Symbol.for('@lab/cache.not-found');
export type NotFound = typeof NOT_FOUND;

/** What `getFromMemory` returns when L1 cannot answer: the caller goes on to getOrLoad. */
export const NOT_IN_MEMORY: unique symbol = Symbol.for('@lab/cache.not-in-memory');
export type NotInMemory = typeof NOT_IN_MEMORY;

export type Entry = {
  /** The cached value; undefined when notFound. */
  value: unknown;
  notFound: boolean;
  /** Wall-clock ms when the value was loaded or set (shared across instances, like expiresAt). */
  createdAt: number;
  /** Fresh until this wall-clock ms. */
  expiresAt: number;
  /** Measured load time in ms (0 for values written with set()). */
  delta: number;
  tags: readonly string[] | undefined;
};

export function isFresh(entry: Entry, now: number): boolean {
  return now < entry.expiresAt;
}

/**
 * Until when an expired entry may still be served (stale-if-error / stale-while-revalidate).
 * "Not found" gets no grace: bots probing random ids would otherwise fill Redis for the whole
 * grace window, and a stale "not found" is rarely worth serving.
 */
export function graceUntil(entry: Entry, graceMs: number): number {
  return entry.notFound ? entry.expiresAt : entry.expiresAt + graceMs;
}

/** Is `candidate` a fresh copy newer than `known` (the copy the caller already has, if any)? */
export function isNewerFresh(candidate: Entry, known: Entry | undefined, now: number): boolean {
  return isFresh(candidate, now) && (known === undefined || candidate.createdAt > known.createdAt);
}

/** What a caller gets for an entry: a cached "no such record" reads as undefined. */
export function answerOf(entry: Entry): unknown {
  return entry.notFound ? undefined : entry.value;
}
