// Typed errors with a stable `code`, so callers (and HTTP error mappers) branch on the code, never on
// a message. Every error this package throws on its own behalf is a ResilienceError.
//
// The catalogue. Guards test the code, not the class: a code still matches when two copies of the
// package are loaded (two versions in node_modules), where `instanceof` silently fails.
export const RESILIENCE_ERROR_CODES = ['CIRCUIT_OPEN', 'TIMEOUT', 'BULKHEAD_FULL', 'HTTP_STATUS'] as const;
export type ResilienceErrorCode = (typeof RESILIENCE_ERROR_CODES)[number];

function hasCode(error: unknown, code: ResilienceErrorCode): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** The breaker refused the call (CIRCUIT_OPEN). */
export const isCircuitOpen = (error: unknown): error is CircuitOpenError => hasCode(error, 'CIRCUIT_OPEN');
/** A call ran past its time limit (TIMEOUT). */
export const isTimeout = (error: unknown): error is TimeoutError => hasCode(error, 'TIMEOUT');
/** The bulkhead refused the call (BULKHEAD_FULL). */
export const isBulkheadRejected = (error: unknown): error is BulkheadRejectedError =>
  hasCode(error, 'BULKHEAD_FULL');
/** An upstream answered with a failing status (HTTP_STATUS). */
export const isHttpStatusError = (error: unknown): error is HttpStatusError => hasCode(error, 'HTTP_STATUS');

export class ResilienceError extends Error {
  readonly code: ResilienceErrorCode;

  constructor(code: ResilienceErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The breaker refused the call without running it: open, forced open, or half-open with no free trial. */
export class CircuitOpenError extends ResilienceError {
  readonly breaker: string;
  /** The breaker's state when it refused the call. */
  readonly state: string;
  /** How long until the breaker lets a trial call through (0 when unknown or already due). */
  readonly retryAfterMs: number;

  constructor(breaker: string, state: string, retryAfterMs: number) {
    super('CIRCUIT_OPEN', `circuit breaker "${breaker}" is ${state}; call not attempted`);
    this.breaker = breaker;
    this.state = state;
    this.retryAfterMs = retryAfterMs;
  }
}

/** A call ran longer than its time limit; its AbortSignal was aborted with this error as the reason. */
export class TimeoutError extends ResilienceError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super('TIMEOUT', `call timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The bulkhead had no free slot and its queue was full (or the wait in the queue ran out). */
export class BulkheadRejectedError extends ResilienceError {
  readonly bulkhead: string;

  constructor(bulkhead: string, reason: 'full' | 'queue-timeout') {
    super(
      'BULKHEAD_FULL',
      reason === 'full'
        ? `bulkhead "${bulkhead}" is full: every slot busy and the queue is full`
        : `bulkhead "${bulkhead}": waited too long in the queue`,
    );
    this.bulkhead = bulkhead;
  }
}

/**
 * An upstream answered with a status that counts as failure for retries or breakers (5xx, 429, 408).
 * Carries the parsed Retry-After, so a retry waits at least as long as the server asked.
 */
export class HttpStatusError extends ResilienceError {
  readonly status: number;
  readonly method: string;
  /** Origin and path only: query strings may carry secrets and must not reach logs. */
  readonly url: string;
  readonly retryAfterMs: number | undefined;

  constructor(status: number, method: string, url: URL, retryAfterMs: number | undefined) {
    const where = `${url.origin}${url.pathname}`;
    super('HTTP_STATUS', `${method} ${where} answered ${status}`);
    this.status = status;
    this.method = method;
    this.url = where;
    this.retryAfterMs = retryAfterMs;
  }
}
