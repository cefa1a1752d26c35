// Deterministic randomness for the seed and load tests: a seeded PRNG (mulberry32: 32-bit state,
// fast, good enough for test data, not for secrets) and a Zipf sampler. Link popularity on the web
// is heavy-tailed: under Zipf with s = 1 the top 1 % of 10,000 links draw about half the clicks,
// which is what makes a small L1 cache effective and what a load test must reproduce.

export type Random = () => number; // uniform in [0, 1)

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Normalised Zipf weights for ranks 1..n: weight(k) ∝ 1 / k^s. */
export function zipfWeights(n: number, s: number): number[] {
  const raw = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = raw.reduce((sum, w) => sum + w, 0);
  return raw.map((w) => w / total);
}

/** Draws ranks (0-based) with the given weights, by binary search over the cumulative sums. */
export function zipfSampler(weights: readonly number[], random: Random): () => number {
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) {
    sum += w;
    cumulative.push(sum);
  }
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
