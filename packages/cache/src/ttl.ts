// TTL jitter: keys written together (a deploy warm-up, a batch import) would otherwise expire
// together and stampede the database at once (a cache "avalanche"). Jitter only shortens the
// TTL, so `ttlMs` stays the promise "never staler than this".

/** A TTL drawn uniformly from [ttlMs·(1−jitter), ttlMs]; `random` returns [0, 1). */
export function jitteredTtl(ttlMs: number, jitter: number, random: () => number = Math.random): number {
  if (jitter <= 0) return ttlMs;
  return Math.max(1, Math.round(ttlMs * (1 - jitter * random())));
}
