// @lab/resilience: circuit breaker, retry with jitter and a budget, timeout, bulkhead, their
// composition, and a resilient HTTP client. See README.md for the state diagram and every option.
export { type BackoffOptions, fullJitterDelay } from './backoff.ts';
export {
  BULKHEAD_DEFAULTS,
  type Bulkhead,
  type BulkheadOptions,
  type BulkheadSnapshot,
  createBulkhead,
} from './bulkhead.ts';
export {
  BREAKER_DEFAULTS,
  type BreakerEvents,
  type BreakerSnapshot,
  type BreakerState,
  type CallOutcome,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
  type ExecuteOptions,
  type TransitionReason,
} from './circuit-breaker.ts';
export { type Clock, createManualClock, eventLoopClock, type ManualClock, preciseClock } from './clock.ts';
export {
  BulkheadRejectedError,
  CircuitOpenError,
  HttpStatusError,
  isBulkheadRejected,
  isCircuitOpen,
  isHttpStatusError,
  isTimeout,
  RESILIENCE_ERROR_CODES,
  ResilienceError,
  type ResilienceErrorCode,
  TimeoutError,
} from './errors.ts';
export {
  createHttpClient,
  HTTP_CLIENT_DEFAULTS,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequestInit,
  isUpstreamFailure,
  type UpstreamSnapshot,
} from './http-client.ts';
export { createPolicy, type Policy, type PolicyCallOptions, type PolicyOptions } from './policy.ts';
export {
  createRetry,
  RETRY_DEFAULTS,
  type RetryableOperation,
  type RetryDecision,
  type RetryOptions,
  type RetryPolicy,
} from './retry.ts';
export { parseRetryAfter } from './retry-after.ts';
export {
  createRetryBudget,
  RETRY_BUDGET_DEFAULTS,
  type RetryBudget,
  type RetryBudgetOptions,
} from './retry-budget.ts';
export { isRetryableError, isRetryableStatus, wasNeverSent } from './retryable.ts';
export { sleep } from './sleep.ts';
export type { WindowOptions } from './sliding-window.ts';
export { createTimeout, type Operation, type TimeoutPolicy, withTimeout } from './timeout.ts';
