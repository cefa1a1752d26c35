// The circuit breaker's options: each default in BREAKER_DEFAULTS with the reason for it, mirrored
// as `@default` on the option so an editor shows it on hover, and resolved and checked in one place
// (resolveBreakerOptions), so options that could never work fail at creation, not at the first outage.
import type { Registry } from 'prom-client';
import type { Clock } from './clock.ts';
import type { WindowOptions } from './sliding-window.ts';

export type CircuitBreakerOptions = {
  /** Names the breaker in metrics, events and errors; unique per registry. Required. */
  name: string;
  /**
   * The calls the breaker judges: the last N (`count`) or the last T seconds (`time`, in buckets).
   * @default { type: 'count', size: 50 }
   */
  window?: WindowOptions;
  /**
   * Calls the window must hold before a rate is judged; at most a count window's size.
   * @default 20
   */
  minimumCalls?: number;
  /**
   * Share of failed calls in the window that opens the breaker, in (0, 1].
   * @default 0.5
   */
  failureRateThreshold?: number;
  /**
   * A call that takes longer than this is slow (a failing one still counts as a failure).
   * @default 5_000
   */
  slowCallDurationMs?: number;
  /**
   * Share of slow calls in the window (or of slow trials in half-open) that opens the breaker, in (0, 1].
   * @default 1
   */
  slowCallRateThreshold?: number;
  /**
   * How long the breaker stays open before letting trials through.
   * @default 5_000
   */
  openDurationMs?: number;
  /**
   * Repeated opens without a close in between double the open duration up to this.
   * @default openDurationMs (no growth)
   */
  maxOpenDurationMs?: number;
  /**
   * Trial calls in half-open; all must succeed for the breaker to close.
   * @default 3
   */
  halfOpenPermits?: number;
  /**
   * Longest stay in half-open without a verdict; then the breaker opens again and the trials still
   * running stop holding permits. Infinity waits for the trials (give them a callTimeoutMs then).
   * @default 60_000
   */
  maxHalfOpenWaitMs?: number;
  /**
   * Time limit of each call; at the limit its signal aborts and it counts as `timeout`.
   * @default undefined (none: most calls have a timeout of their own)
   */
  callTimeoutMs?: number;
  /**
   * Which errors say the dependency is unhealthy. Errors it rejects count as successful calls.
   * @default every error counts
   */
  isFailure?: (error: unknown) => boolean;
  /** @default eventLoopClock (read once per event-loop turn) */
  clock?: Clock;
  /** @default prom-client's global register */
  registry?: Registry;
};

export const BREAKER_DEFAULTS = {
  // Enough calls to judge a rate, few enough to react within seconds under load; a count window
  // does not care how busy the service is.
  window: { type: 'count', size: 50 } as WindowOptions,
  // Don't judge a dependency on 3 calls: two unlucky timeouts out of three is 66 %.
  minimumCalls: 20,
  // "50 % errors in the window": at half the calls failing the dependency is broken, not noisy.
  failureRateThreshold: 0.5,
  // A call slower than 5 s is useless to nearly every interactive caller.
  slowCallDurationMs: 5_000,
  // resilience4j's: trip on slowness only when every call is slow, since slowness is often our own load.
  slowCallRateThreshold: 1,
  // Polly's break duration: a restarting dependency catches its breath, and recovery shows quickly.
  openDurationMs: 5_000,
  // One probe is a coin toss against a flaky dependency; three that must all pass cost little.
  halfOpenPermits: 3,
  // Long enough for trials slower than slowCallDurationMs (5 s) to answer and be judged slow, short
  // enough that a hung trial (no call timeout) costs a minute of rejections, not the process's life.
  maxHalfOpenWaitMs: 60_000,
} as const;

const everyErrorCounts = () => true;

/** Every option with its default filled in; `callTimeoutMs` stays optional (none by default). */
export type ResolvedBreakerOptions = Required<Omit<CircuitBreakerOptions, 'callTimeoutMs' | 'registry'>> &
  Pick<CircuitBreakerOptions, 'callTimeoutMs' | 'registry'>;

export function resolveBreakerOptions(
  options: CircuitBreakerOptions,
  defaultClock: Clock,
): ResolvedBreakerOptions {
  const d = BREAKER_DEFAULTS;
  const openDurationMs = options.openDurationMs ?? d.openDurationMs;
  const resolved: ResolvedBreakerOptions = {
    name: options.name,
    window: options.window ?? d.window,
    minimumCalls: options.minimumCalls ?? d.minimumCalls,
    failureRateThreshold: options.failureRateThreshold ?? d.failureRateThreshold,
    slowCallDurationMs: options.slowCallDurationMs ?? d.slowCallDurationMs,
    slowCallRateThreshold: options.slowCallRateThreshold ?? d.slowCallRateThreshold,
    openDurationMs,
    maxOpenDurationMs: options.maxOpenDurationMs ?? openDurationMs,
    halfOpenPermits: options.halfOpenPermits ?? d.halfOpenPermits,
    maxHalfOpenWaitMs: options.maxHalfOpenWaitMs ?? d.maxHalfOpenWaitMs,
    callTimeoutMs: options.callTimeoutMs,
    isFailure: options.isFailure ?? everyErrorCounts,
    clock: options.clock ?? defaultClock,
    registry: options.registry,
  };
  validate(resolved);
  return resolved;
}

function validate(o: ResolvedBreakerOptions): void {
  const fail = (message: string) => {
    throw new RangeError(`circuit breaker "${o.name}": ${message}`);
  };
  if (!o.name) fail('name is required');
  if (typeof o.isFailure !== 'function') fail('isFailure must be a function');
  if (!Number.isInteger(o.minimumCalls) || o.minimumCalls < 1) fail('minimumCalls must be an integer >= 1');
  if (o.window.type === 'count' && o.minimumCalls > o.window.size) {
    fail('minimumCalls exceeds the count window size, so the breaker could never trip');
  }
  if (!(o.failureRateThreshold > 0 && o.failureRateThreshold <= 1)) {
    fail('failureRateThreshold must be in (0, 1]');
  }
  if (!(o.slowCallRateThreshold > 0 && o.slowCallRateThreshold <= 1)) {
    fail('slowCallRateThreshold must be in (0, 1]');
  }
  if (!(o.slowCallDurationMs > 0)) fail('slowCallDurationMs must be > 0');
  if (!(o.openDurationMs > 0)) fail('openDurationMs must be > 0');
  if (!(o.maxOpenDurationMs >= o.openDurationMs)) fail('maxOpenDurationMs must be >= openDurationMs');
  if (!Number.isInteger(o.halfOpenPermits) || o.halfOpenPermits < 1) {
    fail('halfOpenPermits must be an integer >= 1');
  }
  if (!(o.maxHalfOpenWaitMs > 0)) fail('maxHalfOpenWaitMs must be > 0 (Infinity: wait for the trials)');
  if (o.callTimeoutMs !== undefined && !(o.callTimeoutMs > 0 && Number.isFinite(o.callTimeoutMs))) {
    fail('callTimeoutMs must be a finite number > 0');
  }
}
