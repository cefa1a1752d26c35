// Exponential backoff with full jitter: the n-th retry waits random(0, min(cap, base * 2^n)).
// Without jitter, every client that failed together retries together, in lockstep, and the
// recovering dependency takes the whole herd at once; with full jitter the retries spread evenly
// over the interval (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
export type BackoffOptions = { baseDelayMs: number; maxDelayMs: number };

/** `retry` counts from 0 (the first retry); `random` returns [0, 1) like Math.random. */
export function fullJitterDelay(
  retry: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return random() * ceiling;
}
