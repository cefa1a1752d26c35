// Retry: run an operation again after a transient failure, with exponential backoff and full
// jitter, at most `maxAttempts` times, within a client-wide retry budget, honouring Retry-After,
// and only for idempotent operations unless the failure proves the request was never sent.
//
// Each failed attempt ends in one decision, counted in retry_decisions_total{name,decision}:
//   retried | not_retryable | not_idempotent | attempts_exhausted | retry_after_too_long
//   | budget_exhausted | cancelled
// A caller that is given up on gets the last attempt's own error, unchanged, so its handling
// (status codes, error codes) does not depend on whether retries happened.

import { counter } from '@lab/metrics';
import { type Registry, register } from 'prom-client';
import { fullJitterDelay } from './backoff.ts';
import type { Clock } from './clock.ts';
import { createRetryBudget, type RetryBudget } from './retry-budget.ts';
import { isRetryableError, retryAfterOf, wasNeverSent } from './retryable.ts';
import { sleep as defaultSleep } from './sleep.ts';
import { NEVER_ABORTED } from './timeout.ts';

export type RetryDecision =
  | 'retried'
  | 'not_retryable'
  | 'not_idempotent'
  | 'attempts_exhausted'
  | 'retry_after_too_long'
  | 'budget_exhausted'
  | 'cancelled';

export type RetryOptions = {
  /**
   * The `name` label of retry_decisions_total.
   * @default 'retry'
   */
  name?: string;
  /**
   * Attempts in all, the first included.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * Ceiling of the first retry's random delay; it doubles per retry (full jitter).
   * @default 100
   */
  baseDelayMs?: number;
  /**
   * Cap on any retry's delay ceiling.
   * @default 5_000
   */
  maxDelayMs?: number;
  /**
   * A Retry-After longer than this ends the retries (decision `retry_after_too_long`).
   * @default 30_000
   */
  maxRetryAfterMs?: number;
  /**
   * Whether repeating the operation is safe; a call's own `idempotent` wins.
   * @default false
   */
  idempotent?: boolean;
  /**
   * Which failures deserve another attempt.
   * @default isRetryableError (connection errors, timeouts, 5xx but 501, 408, 429)
   */
  isRetryable?: (error: unknown) => boolean;
  /**
   * A shared budget, or false for none.
   * @default a budget of this policy's own (RETRY_BUDGET_DEFAULTS: 20 % extra attempts)
   */
  budget?: RetryBudget | false;
  /** @default Math.random */
  random?: () => number;
  /** @default sleep (a setTimeout that rejects when the signal aborts) */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Clock for the default budget.
   * @default eventLoopClock
   */
  clock?: Clock;
  /** Called before each retry's wait, e.g. to log it. @default none */
  onRetry?: (event: { name: string; attempt: number; delayMs: number; error: unknown }) => void;
  /** @default prom-client's global register */
  registry?: Registry;
};

export const RETRY_DEFAULTS = {
  // The metric label when a policy has no name of its own.
  name: 'retry',
  // The first try and two retries: the usual limit; beyond it you mostly add load.
  maxAttempts: 3,
  // Long enough for a blip to clear, short enough to stay well inside a request's deadline.
  baseDelayMs: 100,
  // Keeps the exponential from outgrowing any caller's patience.
  maxDelayMs: 5_000,
  // Waiting longer than this inside one request helps nobody: surface the error instead.
  maxRetryAfterMs: 30_000,
  // Retrying must be a decision, not an accident (double charges, double emails).
  idempotent: false,
} as const;

/** `attempt` counts from 1. */
export type RetryableOperation<T> = (signal: AbortSignal, attempt: number) => Promise<T> | T;

export type RetryPolicy = {
  readonly name: string;
  /** The budget this policy spends from (undefined when it has none). */
  readonly budget: RetryBudget | undefined;
  execute<T>(
    operation: RetryableOperation<T>,
    options?: { signal?: AbortSignal; idempotent?: boolean },
  ): Promise<T>;
};

export function createRetry(options: RetryOptions = {}): RetryPolicy {
  const name = options.name ?? RETRY_DEFAULTS.name;
  const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
  const backoff = {
    baseDelayMs: options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs,
  };
  const maxRetryAfterMs = options.maxRetryAfterMs ?? RETRY_DEFAULTS.maxRetryAfterMs;
  const isRetryable = options.isRetryable ?? isRetryableError;
  const budget =
    options.budget === false ? undefined : (options.budget ?? createRetryBudget({ clock: options.clock }));
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError('maxAttempts must be an integer >= 1');
  if (
    !(backoff.baseDelayMs >= 0 && backoff.maxDelayMs >= backoff.baseDelayMs) ||
    !Number.isFinite(backoff.maxDelayMs)
  ) {
    throw new RangeError('need 0 <= baseDelayMs <= maxDelayMs, all finite');
  }
  if (!(maxRetryAfterMs >= 0 && Number.isFinite(maxRetryAfterMs))) {
    throw new RangeError('maxRetryAfterMs must be a finite number >= 0');
  }
  const decisions = counter(options.registry ?? register, {
    name: 'retry_decisions_total',
    help: 'What a retry policy decided after a failed attempt: retried, or why it gave up',
    labelNames: ['name', 'decision'],
  });

  /** What to do after attempt `attempt` failed with `error`: a delay in ms, or a reason to stop. */
  function decide(
    error: unknown,
    attempt: number,
    idempotent: boolean,
    signal?: AbortSignal,
  ): number | RetryDecision {
    if (signal?.aborted) return 'cancelled';
    if (!isRetryable(error)) return 'not_retryable';
    if (!idempotent && !wasNeverSent(error)) return 'not_idempotent';
    if (attempt >= maxAttempts) return 'attempts_exhausted';
    const retryAfterMs = retryAfterOf(error);
    if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) return 'retry_after_too_long';
    if (budget && !budget.tryRetry()) return 'budget_exhausted';
    // The server's Retry-After is a floor; jitter on top would only matter below it.
    return Math.max(retryAfterMs ?? 0, fullJitterDelay(attempt - 1, backoff, random));
  }

  return {
    name,
    budget,
    async execute(operation, callOptions = {}) {
      const signal = callOptions.signal;
      const idempotent = callOptions.idempotent ?? options.idempotent ?? RETRY_DEFAULTS.idempotent;
      budget?.recordCall();
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await operation(signal ?? NEVER_ABORTED, attempt);
        } catch (error) {
          const decision = decide(error, attempt, idempotent, signal);
          if (typeof decision === 'string') {
            decisions.inc({ name, decision });
            throw error;
          }
          decisions.inc({ name, decision: 'retried' });
          options.onRetry?.({ name, attempt, delayMs: decision, error });
          await sleep(decision, signal ?? NEVER_ABORTED);
        }
      }
    },
  };
}
