// The outbox's retry pauses (relay failures, consumer retries) use the lab's one backoff and one
// sleep, from @lab/resilience: exponential with full jitter (a delay uniform in [0, ceiling]),
// capped. Exponential so a dependency that is down is not hammered; jittered so many relays or
// consumers that failed together do not retry together; capped so recovery is noticed soon.
// Full jitter can draw a short delay after a failure; the ceiling still doubles, so the mean
// pause grows with every failure in a row and a dead broker is not retried in a tight loop.
import { fullJitterDelay, sleep } from '@lab/resilience';

export type BackoffOptions = {
  /** Upper bound of the first delay (ms). */
  initialMs: number;
  /** No delay exceeds this (ms). */
  maxMs: number;
};

/** How long to wait before retry number `attempt` (1-based; below 1 counts as the first). */
export function backoffDelay(
  attempt: number,
  { initialMs, maxMs }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const retry = Math.max(attempt, 1) - 1;
  return Math.round(fullJitterDelay(retry, { baseDelayMs: initialMs, maxDelayMs: maxMs }, random));
}

/**
 * A loop's pause: @lab/resilience's sleep, which rejects when the signal aborts, with the abort
 * swallowed. The relay and consumer loops check their signal right after a pause, so stopping is
 * handled there; a rejection here would only have to be caught at every call.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, signal).catch(() => {});
}
