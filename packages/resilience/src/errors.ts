// Typed errors with a stable `code`, so callers (and HTTP error mappers) branch on the code, never on
// a message. Every error this package throws on its own behalf is a ResilienceError.
export class ResilienceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
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
