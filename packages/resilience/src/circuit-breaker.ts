// Circuit breaker: stop calling a dependency that is failing, give it time, then probe it.
//
//   closed ──(failure rate or slow-call rate ≥ threshold, once minimumCalls are in the window)──▶ open
//   open ──(openDurationMs passed; checked lazily on the next call, no timer)──▶ half-open
//   half-open ──(all K trials succeeded)──▶ closed      half-open ──(a trial failed)──▶ open (longer)
//   half-open ──(maxHalfOpenWaitMs passed without a verdict; checked lazily)──▶ open (longer)
//   any ──forceOpen()──▶ forced-open    any ──disable()──▶ disabled    any ──reset()──▶ closed
//
// Design notes for readers:
// - The closed path is what every Redis/HTTP call pays, so it allocates nothing of its own: no timer,
//   no AbortController (a shared never-aborting signal unless callTimeoutMs is set), no Date, no event
//   payload unless someone listens, and metrics are plain counters pulled at scrape time.
// - Every transition bumps an epoch. A call remembers the epoch it was admitted in and its outcome
//   only counts if the breaker is still in that epoch: a slow call that started while closed must not
//   be taken for a half-open trial result, and vice versa. The epoch wraps (epoch.ts), so a permit
//   stays a small integer for the life of the process.
// - Half-open admits at most K trial calls per episode and never has more than K trials in flight,
//   counting trials left over from an earlier episode that have not finished yet, except those of
//   an episode that ran out of time (maxHalfOpenWaitMs): a trial that never settles must not hold
//   a permit forever, as resilience4j's maxWaitDurationInHalfOpenState also ensures.
// - State lives in this process only (see README: a shared breaker lets one sick node open it for all).
import { type Registry, register } from 'prom-client';
import { type BreakerMetrics, breakerMetrics } from './breaker-metrics.ts';
import { type Clock, eventLoopClock } from './clock.ts';
import { EPOCH_LIMIT, epochOf, nextEpoch, permitFor } from './epoch.ts';
import { CircuitOpenError, isTimeout, type TimeoutError } from './errors.ts';
import { Emitter, type Listener } from './events.ts';
import type { ScrapeSource } from './scrape-sources.ts';
import { createWindow, type SlidingWindow, type WindowOptions } from './sliding-window.ts';
import { NEVER_ABORTED, type Operation, withTimeout } from './timeout.ts';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'forced-open' | 'disabled';
export type CallOutcome = 'success' | 'failure' | 'slow' | 'rejected' | 'timeout';

/** Index = the value of the circuit_breaker_state gauge. */
const STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'forced-open', 'disabled'];
const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const FORCED_OPEN = 3;
const DISABLED = 4;

// A permit is what acquire() hands a call: permitFor(epoch, trial) (epoch.ts); or a negative flag.
const REJECTED = -1;
const PASS_THROUGH = -2;

export type CircuitBreakerOptions = {
  /** Names the breaker in metrics, events and errors; unique per registry. */
  name: string;
  window?: WindowOptions;
  minimumCalls?: number;
  failureRateThreshold?: number;
  slowCallDurationMs?: number;
  slowCallRateThreshold?: number;
  openDurationMs?: number;
  maxOpenDurationMs?: number;
  halfOpenPermits?: number;
  /**
   * Longest stay in half-open without a verdict; then the breaker opens again and the trials still
   * running stop holding permits. Infinity waits for the trials (give them a callTimeoutMs then).
   * @default 60_000
   */
  maxHalfOpenWaitMs?: number;
  callTimeoutMs?: number;
  /** Which errors say the dependency is unhealthy. Errors it rejects count as successful calls. */
  isFailure?: (error: unknown) => boolean;
  clock?: Clock;
  registry?: Registry;
};

export const BREAKER_DEFAULTS = {
  window: { type: 'count', size: 50 } as WindowOptions,
  minimumCalls: 20,
  failureRateThreshold: 0.5,
  slowCallDurationMs: 5_000,
  slowCallRateThreshold: 1,
  openDurationMs: 5_000,
  halfOpenPermits: 3,
  // Long enough for trials slower than slowCallDurationMs (5 s) to answer and be judged slow, short
  // enough that a hung trial (no call timeout) costs a minute of rejections, not the process's life.
  maxHalfOpenWaitMs: 60_000,
} as const;

export type ExecuteOptions<T> = {
  /** Used instead of throwing when the breaker rejects the call or the call fails or times out. */
  fallback?: (error: unknown) => T | Promise<T>;
  /** The caller's cancellation. A call the caller cancels is not held against the dependency. */
  signal?: AbortSignal;
};

export type BreakerEvents = {
  stateChange: { name: string; from: BreakerState; to: BreakerState };
  success: { name: string; durationMs: number };
  slow: { name: string; durationMs: number };
  failure: { name: string; durationMs: number; error: unknown };
  timeout: { name: string; durationMs: number; error: TimeoutError };
  rejected: { name: string; state: BreakerState };
};

export type BreakerSnapshot = {
  name: string;
  state: BreakerState;
  /** The sliding window as of now (cleared on every transition). */
  window: { calls: number; failures: number; slowCalls: number; failureRate: number; slowCallRate: number };
  minimumCalls: number;
  halfOpen: { permits: number; inFlight: number; completed: number };
  /** While open: time until the next call becomes a half-open trial. */
  openRemainingMs: number;
  /** How long the latest open lasts (grows on repeated opens up to maxOpenDurationMs). */
  openDurationMs: number;
  consecutiveOpens: number;
  /** Calls by outcome since the breaker was created. */
  totals: Record<CallOutcome, number>;
};

export type CircuitBreaker = {
  readonly name: string;
  readonly state: BreakerState;
  execute<T>(operation: Operation<T>, options?: ExecuteOptions<T>): Promise<T>;
  snapshot(): BreakerSnapshot;
  /** Rejects every call until reset() (operations: take a dependency out by hand). */
  forceOpen(): void;
  /** Lets every call through and records nothing until reset() (experiments: "no breaker"). */
  disable(): void;
  /** Back to closed with an empty window and the base open duration. */
  reset(): void;
  on<K extends keyof BreakerEvents>(type: K, listener: Listener<BreakerEvents[K]>): CircuitBreaker;
  off<K extends keyof BreakerEvents>(type: K, listener: Listener<BreakerEvents[K]>): CircuitBreaker;
};

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  return new Breaker(options);
}

/**
 * Test hook, not exported from the package: a breaker whose epoch starts at `firstEpoch`, so a
 * test can cross the epoch's wrap in a few transitions instead of EPOCH_LIMIT of them.
 */
export function breakerStartingAtEpoch(options: CircuitBreakerOptions, firstEpoch: number): CircuitBreaker {
  if (!(Number.isInteger(firstEpoch) && firstEpoch >= 0 && firstEpoch < EPOCH_LIMIT)) {
    throw new RangeError(`firstEpoch must be an integer in [0, ${EPOCH_LIMIT})`);
  }
  return new Breaker(options, firstEpoch);
}

const everyErrorCounts = () => true;

class Breaker implements CircuitBreaker, ScrapeSource<BreakerMetrics> {
  readonly name: string;
  private readonly window: SlidingWindow;
  private readonly minimumCalls: number;
  private readonly failureRateThreshold: number;
  private readonly slowCallDurationMs: number;
  private readonly slowCallRateThreshold: number;
  private readonly baseOpenDurationMs: number;
  private readonly maxOpenDurationMs: number;
  private readonly halfOpenPermits: number;
  private readonly maxHalfOpenWaitMs: number;
  private readonly callTimeoutMs: number | undefined;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly clock: Clock;
  private readonly metrics: BreakerMetrics;
  private readonly events = new Emitter<BreakerEvents>();

  private code = CLOSED;
  private epoch = 0;
  private openUntil = 0;
  private openDurationMs: number;
  private consecutiveOpens = 0;
  private trialsIssued = 0;
  private trialsCompleted = 0;
  private trialsSlow = 0;
  private trialsInFlight = 0;
  /** Trials of the current half-open episode still running (part of trialsInFlight). */
  private episodeTrialsInFlight = 0;
  private halfOpenUntil = 0;
  /**
   * Epoch → trials still running from a half-open episode that timed out; they hold no permit.
   * Created on the first such episode: most breakers never have one, and a Map costs ~200 bytes.
   */
  private abandonedTrials: Map<number, number> | undefined;
  private readonly totals: Record<CallOutcome, number> = {
    success: 0,
    failure: 0,
    slow: 0,
    rejected: 0,
    timeout: 0,
  };
  private readonly flushed: Record<CallOutcome, number> = { ...this.totals };

  constructor(options: CircuitBreakerOptions, firstEpoch = 0) {
    this.epoch = firstEpoch;
    const d = BREAKER_DEFAULTS;
    this.name = options.name;
    this.window = createWindow(options.window ?? d.window);
    this.minimumCalls = options.minimumCalls ?? d.minimumCalls;
    this.failureRateThreshold = options.failureRateThreshold ?? d.failureRateThreshold;
    this.slowCallDurationMs = options.slowCallDurationMs ?? d.slowCallDurationMs;
    this.slowCallRateThreshold = options.slowCallRateThreshold ?? d.slowCallRateThreshold;
    this.baseOpenDurationMs = options.openDurationMs ?? d.openDurationMs;
    this.maxOpenDurationMs = options.maxOpenDurationMs ?? this.baseOpenDurationMs;
    this.openDurationMs = this.baseOpenDurationMs;
    this.halfOpenPermits = options.halfOpenPermits ?? d.halfOpenPermits;
    this.maxHalfOpenWaitMs = options.maxHalfOpenWaitMs ?? d.maxHalfOpenWaitMs;
    this.callTimeoutMs = options.callTimeoutMs;
    this.isFailure = options.isFailure ?? everyErrorCounts;
    this.clock = options.clock ?? eventLoopClock;
    this.validate(options.window ?? d.window);
    this.metrics = breakerMetrics(options.registry ?? register);
    this.metrics.state.set({ name: this.name }, CLOSED);
    this.metrics.track(this);
  }

  get state(): BreakerState {
    if (this.code === OPEN) {
      const now = this.clock.now();
      if (now >= this.openUntil) this.transition(HALF_OPEN, now);
    } else if (this.code === HALF_OPEN) {
      const now = this.clock.now();
      if (now >= this.halfOpenUntil) this.abandonHalfOpen(now);
    }
    return STATES[this.code] as BreakerState;
  }

  async execute<T>(operation: Operation<T>, options?: ExecuteOptions<T>): Promise<T> {
    const permit = this.acquire();
    const signal = options?.signal;
    if (permit < 0) {
      if (permit === PASS_THROUGH) return this.run(operation, signal);
      const error = this.reject();
      if (options?.fallback) return options.fallback(error);
      throw error;
    }
    const started = this.clock.now();
    let value: T;
    try {
      value = await this.run(operation, signal);
    } catch (error) {
      if (this.onError(permit, error, started, signal) && options?.fallback) return options.fallback(error);
      throw error;
    }
    this.onSuccess(permit, started);
    return value;
  }

  private run<T>(operation: Operation<T>, signal: AbortSignal | undefined): Promise<T> | T {
    return this.callTimeoutMs === undefined
      ? operation(signal ?? NEVER_ABORTED)
      : withTimeout(operation, this.callTimeoutMs, signal);
  }

  /** Decides whether a call may run now; returns its permit. */
  private acquire(): number {
    const code = this.code;
    if (code === CLOSED) return permitFor(this.epoch, false);
    if (code === OPEN) {
      const now = this.clock.now();
      if (now < this.openUntil) return REJECTED;
      this.transition(HALF_OPEN, now);
    } else if (code === HALF_OPEN) {
      const now = this.clock.now();
      if (now >= this.halfOpenUntil) {
        this.abandonHalfOpen(now);
        return REJECTED;
      }
    }
    if (this.code === HALF_OPEN) {
      if (this.trialsIssued >= this.halfOpenPermits || this.trialsInFlight >= this.halfOpenPermits)
        return REJECTED;
      this.trialsIssued += 1;
      this.trialsInFlight += 1;
      this.episodeTrialsInFlight += 1;
      return permitFor(this.epoch, true);
    }
    return this.code === DISABLED ? PASS_THROUGH : REJECTED;
  }

  private reject(): CircuitOpenError {
    this.totals.rejected += 1;
    const state = STATES[this.code] as BreakerState;
    if (this.events.has('rejected')) this.events.emit('rejected', { name: this.name, state });
    const retryAfterMs = this.code === OPEN ? Math.max(0, this.openUntil - this.clock.now()) : 0;
    return new CircuitOpenError(this.name, state, retryAfterMs);
  }

  private onSuccess(permit: number, started: number): void {
    const now = this.clock.now();
    const durationMs = now - started;
    if (durationMs > this.slowCallDurationMs) {
      this.totals.slow += 1;
      if (this.events.has('slow')) this.events.emit('slow', { name: this.name, durationMs });
      this.record(permit, false, true, now);
    } else {
      this.totals.success += 1;
      if (this.events.has('success')) this.events.emit('success', { name: this.name, durationMs });
      this.record(permit, false, false, now);
    }
  }

  /** Records a thrown error; returns whether it counted against the dependency (fallback applies). */
  private onError(permit: number, error: unknown, started: number, signal: AbortSignal | undefined): boolean {
    const now = this.clock.now();
    const durationMs = now - started;
    if (isTimeout(error)) {
      this.totals.timeout += 1;
      if (this.events.has('timeout')) this.events.emit('timeout', { name: this.name, durationMs, error });
      this.record(permit, true, false, now);
      return true;
    }
    if (signal?.aborted) {
      // The caller gave up; that says nothing about the dependency. Hand the trial permit back.
      this.release(permit);
      return false;
    }
    if (!this.isFailure(error)) {
      // The dependency answered (a 404, a validation error): healthy as far as the breaker cares.
      this.onSuccess(permit, started);
      return false;
    }
    this.totals.failure += 1;
    if (this.events.has('failure')) this.events.emit('failure', { name: this.name, durationMs, error });
    this.record(permit, true, durationMs > this.slowCallDurationMs, now);
    return true;
  }

  /** Half-open ran out of time: open again, and the trials still running give their permits up. */
  private abandonHalfOpen(now: number): void {
    if (this.episodeTrialsInFlight > 0) {
      this.abandonedTrials ??= new Map();
      this.abandonedTrials.set(this.epoch, this.episodeTrialsInFlight);
      this.trialsInFlight -= this.episodeTrialsInFlight;
    }
    this.transition(OPEN, now);
  }

  /** A trial ended (or was cancelled): its permit comes back unless its episode gave it up already. */
  private trialEnded(epoch: number): void {
    if (epoch === this.epoch && this.code === HALF_OPEN) this.episodeTrialsInFlight -= 1;
    const abandoned = this.abandonedTrials?.get(epoch);
    if (abandoned === undefined) {
      this.trialsInFlight -= 1;
    } else if (abandoned > 1) {
      this.abandonedTrials?.set(epoch, abandoned - 1);
    } else {
      this.abandonedTrials?.delete(epoch);
    }
  }

  private record(permit: number, failed: boolean, slow: boolean, now: number): void {
    const trial = (permit & 1) === 1;
    const epoch = epochOf(permit);
    if (trial) this.trialEnded(epoch);
    if (epoch !== this.epoch) return; // admitted in an earlier state: its outcome is stale
    if (trial) {
      this.trialsCompleted += 1;
      if (failed) {
        this.transition(OPEN, now);
        return;
      }
      if (slow) this.trialsSlow += 1;
      if (this.trialsCompleted >= this.halfOpenPermits) {
        const tooSlow = this.trialsSlow >= this.slowCallRateThreshold * this.halfOpenPermits;
        this.transition(tooSlow ? OPEN : CLOSED, now);
      }
      return;
    }
    const window = this.window;
    window.record(failed, slow, now);
    if (
      window.calls >= this.minimumCalls &&
      (window.failures >= this.failureRateThreshold * window.calls ||
        window.slowCalls >= this.slowCallRateThreshold * window.calls)
    ) {
      this.transition(OPEN, now);
    }
  }

  private release(permit: number): void {
    if ((permit & 1) === 0) return;
    const epoch = epochOf(permit);
    this.trialEnded(epoch);
    if (epoch === this.epoch) this.trialsIssued -= 1;
  }

  private transition(to: number, now: number): void {
    const from = this.code;
    if (from === to) return;
    this.code = to;
    this.epoch = nextEpoch(this.epoch);
    this.window.clear();
    this.episodeTrialsInFlight = 0;
    if (to === OPEN) {
      // Repeated opens without a successful close in between wait longer: 1x, 2x, 4x ... up to the max.
      this.openDurationMs = Math.min(
        this.maxOpenDurationMs,
        this.baseOpenDurationMs * 2 ** this.consecutiveOpens,
      );
      this.consecutiveOpens += 1;
      this.openUntil = now + this.openDurationMs;
    } else if (to === HALF_OPEN) {
      this.halfOpenUntil = now + this.maxHalfOpenWaitMs;
      this.trialsIssued = 0;
      this.trialsCompleted = 0;
      this.trialsSlow = 0;
    } else if (to === CLOSED) {
      this.consecutiveOpens = 0;
      this.openDurationMs = this.baseOpenDurationMs;
    }
    const fromName = STATES[from] as BreakerState;
    const toName = STATES[to] as BreakerState;
    this.metrics.transitions.inc({ name: this.name, from: fromName, to: toName });
    this.metrics.state.set({ name: this.name }, to);
    this.events.emit('stateChange', { name: this.name, from: fromName, to: toName });
  }

  forceOpen(): void {
    this.transition(FORCED_OPEN, this.clock.now());
  }

  disable(): void {
    this.transition(DISABLED, this.clock.now());
  }

  reset(): void {
    this.transition(CLOSED, this.clock.now());
    this.window.clear();
    this.consecutiveOpens = 0;
    this.openDurationMs = this.baseOpenDurationMs;
  }

  snapshot(): BreakerSnapshot {
    const state = this.state;
    const now = this.clock.now();
    const window = this.window;
    window.refresh(now);
    const { calls, failures, slowCalls } = window;
    return {
      name: this.name,
      state,
      window: {
        calls,
        failures,
        slowCalls,
        failureRate: calls === 0 ? 0 : failures / calls,
        slowCallRate: calls === 0 ? 0 : slowCalls / calls,
      },
      minimumCalls: this.minimumCalls,
      halfOpen: {
        permits: this.halfOpenPermits,
        inFlight: this.trialsInFlight,
        completed: this.trialsCompleted,
      },
      openRemainingMs: this.code === OPEN ? Math.max(0, this.openUntil - now) : 0,
      openDurationMs: this.openDurationMs,
      consecutiveOpens: this.consecutiveOpens,
      totals: { ...this.totals },
    };
  }

  on<K extends keyof BreakerEvents>(type: K, listener: Listener<BreakerEvents[K]>): CircuitBreaker {
    this.events.on(type, listener);
    return this;
  }

  off<K extends keyof BreakerEvents>(type: K, listener: Listener<BreakerEvents[K]>): CircuitBreaker {
    this.events.off(type, listener);
    return this;
  }

  flushMetrics(metrics: BreakerMetrics): void {
    for (const outcome of Object.keys(this.totals) as CallOutcome[]) {
      // inc(…, 0) still creates the series, so every outcome shows up from the first scrape.
      metrics.calls.inc({ name: this.name, outcome }, this.totals[outcome] - this.flushed[outcome]);
      this.flushed[outcome] = this.totals[outcome];
    }
    metrics.state.set({ name: this.name }, STATES.indexOf(this.state));
  }

  private validate(window: WindowOptions): void {
    const fail = (message: string) => {
      throw new RangeError(`circuit breaker "${this.name}": ${message}`);
    };
    if (!this.name) fail('name is required');
    if (typeof this.isFailure !== 'function') fail('isFailure must be a function');
    if (!Number.isInteger(this.minimumCalls) || this.minimumCalls < 1)
      fail('minimumCalls must be an integer >= 1');
    if (window.type === 'count' && this.minimumCalls > window.size) {
      fail('minimumCalls exceeds the count window size, so the breaker could never trip');
    }
    if (!(this.failureRateThreshold > 0 && this.failureRateThreshold <= 1))
      fail('failureRateThreshold must be in (0, 1]');
    if (!(this.slowCallRateThreshold > 0 && this.slowCallRateThreshold <= 1)) {
      fail('slowCallRateThreshold must be in (0, 1]');
    }
    if (!(this.slowCallDurationMs > 0)) fail('slowCallDurationMs must be > 0');
    if (!(this.baseOpenDurationMs > 0)) fail('openDurationMs must be > 0');
    if (!(this.maxOpenDurationMs >= this.baseOpenDurationMs))
      fail('maxOpenDurationMs must be >= openDurationMs');
    if (!Number.isInteger(this.halfOpenPermits) || this.halfOpenPermits < 1) {
      fail('halfOpenPermits must be an integer >= 1');
    }
    if (!(this.maxHalfOpenWaitMs > 0)) fail('maxHalfOpenWaitMs must be > 0 (Infinity: wait for the trials)');
    if (
      this.callTimeoutMs !== undefined &&
      !(this.callTimeoutMs > 0 && Number.isFinite(this.callTimeoutMs))
    ) {
      fail('callTimeoutMs must be a finite number > 0');
    }
  }
}
