// One helper that composes the policies in a fixed, documented order. From the outside in:
//
//   fallback( bulkhead( retry( breaker( attempt timeout( operation ) ) ) ) )
//
// - bulkhead outermost: one slot per logical call, held across its retries, so retries cannot
//   multiply the concurrency a dependency sees; a full bulkhead rejects before any work or retry.
// - retry outside the breaker: every attempt passes through the breaker, so each is counted, and
//   once the breaker opens the next attempt fails fast with CircuitOpenError, which is not
//   retryable: an open breaker ends the retry loop instead of feeding it.
// - breaker outside the per-attempt timeout: a timed-out attempt reaches the breaker as a
//   TimeoutError and counts as a `timeout` failure; a timeout outside the breaker would be invisible
//   to it.
// - per-attempt timeout innermost: each attempt gets its own time limit (and aborted signal), so one
//   hung attempt cannot eat the whole budget of the retries behind it. The caller's own signal
//   bounds the total.
// - fallback last, wrapped around everything: it sees what the whole chain finally throws (including
//   a bulkhead or breaker rejection). Inside, it would turn failures into successes that the retry
//   would not retry and the breaker would not count.
import type { Bulkhead } from './bulkhead.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { RetryPolicy } from './retry.ts';
import { NEVER_ABORTED, type Operation, withTimeout } from './timeout.ts';

/** Every part is optional: the chain holds only the policies given. */
export type PolicyOptions = {
  /** @default none */
  bulkhead?: Bulkhead;
  /** @default none */
  retry?: RetryPolicy;
  /** @default none */
  breaker?: CircuitBreaker;
  /**
   * Time limit for each attempt (not for the whole call: use the caller's signal for that).
   * @default undefined (no per-attempt limit)
   */
  attemptTimeoutMs?: number;
};

export type PolicyCallOptions<T> = {
  signal?: AbortSignal;
  /** Whether repeating the operation is safe; passed to the retry policy. */
  idempotent?: boolean;
  /** Last resort: receives what the chain threw; return a value or rethrow. Not called on cancellation. */
  fallback?: (error: unknown) => T | Promise<T>;
};

export type Policy = {
  execute<T>(operation: Operation<T>, options?: PolicyCallOptions<T>): Promise<T>;
};

export function createPolicy(options: PolicyOptions): Policy {
  const { bulkhead, retry, breaker, attemptTimeoutMs } = options;
  if (attemptTimeoutMs !== undefined && !(attemptTimeoutMs > 0 && Number.isFinite(attemptTimeoutMs))) {
    throw new RangeError('attemptTimeoutMs must be a finite number > 0');
  }
  return {
    async execute<T>(operation: Operation<T>, call: PolicyCallOptions<T> = {}): Promise<T> {
      const attempt: Operation<T> =
        attemptTimeoutMs === undefined
          ? operation
          : (signal) => withTimeout(operation, attemptTimeoutMs, signal);
      const guarded: Operation<T> = breaker ? (signal) => breaker.execute(attempt, { signal }) : attempt;
      const retried: Operation<T> = retry
        ? (signal) => retry.execute(guarded, { signal, idempotent: call.idempotent })
        : guarded;
      try {
        return bulkhead
          ? await bulkhead.execute(retried, { signal: call.signal })
          : await retried(call.signal ?? NEVER_ABORTED);
      } catch (error) {
        if (!call.fallback || call.signal?.aborted) throw error;
        return call.fallback(error);
      }
    },
  };
}
