// XFetch, probabilistic early recomputation (Vattani, Chierichetti, Lowenstein, PVLDB 8(8), 2015).
// Each read of a fresh value recomputes it early with a probability that rises as expiry nears
// and with how slow the load is: recompute when  now − δ·β·ln(rand()) ≥ expiry.
// A single read at time-to-expiry T triggers with probability exp(−T/(β·δ)): 37 % at T = δ,
// 0.7 % at T = 5δ. So a hot key is usually refreshed (once, in the background) before it
// expires and no reader ever waits, while a cold key is left to expire: no wasted loads.

export type XFetchInput = {
  now: number;
  expiresAt: number;
  /** δ: how long the last load took, in ms. */
  deltaMs: number;
  /** β > 1 recomputes earlier, β < 1 later; 1 is the paper's default. */
  beta: number;
  /** Uniform in [0, 1); injected so tests can fix it. */
  random: () => number;
};

export function shouldRefreshEarly({ now, expiresAt, deltaMs, beta, random }: XFetchInput): boolean {
  // Nothing measured (a value written with set()) gives no basis for an early refresh.
  if (deltaMs <= 0 || beta <= 0) return false;
  return now - deltaMs * beta * Math.log(random()) >= expiresAt;
}
