// @lab/resilience: circuit breaker, retry with jitter and a budget, timeout, bulkhead, their
// composition, and a resilient HTTP client. See README.md for the state diagram and every option.
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
} from './circuit-breaker.ts';
export { type Clock, createManualClock, eventLoopClock, type ManualClock, preciseClock } from './clock.ts';
export { BulkheadRejectedError, CircuitOpenError, ResilienceError, TimeoutError } from './errors.ts';
export type { WindowOptions } from './sliding-window.ts';
export { createTimeout, type Operation, type TimeoutPolicy, withTimeout } from './timeout.ts';
