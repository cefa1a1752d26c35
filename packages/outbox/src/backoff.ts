// Exponential backoff with full jitter, capped: how long to wait before retry number `attempt`
// (1-based). Exponential so a dependency that is down is not hammered; jittered so many relays or
// consumers that failed together do not retry together; capped so recovery is noticed soon.
export type BackoffOptions = {
  /** Upper bound of the first delay (ms). */
  initialMs: number;
  /** No delay exceeds this (ms). */
  maxMs: number;
};

export function backoffDelay(
  attempt: number,
  { initialMs, maxMs }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(maxMs, initialMs * 2 ** exponent);
  // "Equal jitter": uniform in [ceiling/2, ceiling]. Spread enough to de-synchronize retriers, and
  // unlike full jitter a delay never collapses to ~0, so a dead broker is never retried in a spin.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms`, or early (without error) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
