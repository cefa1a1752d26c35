// Circuit breaker: stop calling a dependency that is failing, give it time, then probe it.
//
//   closed ──(failure rate or slow-call rate ≥ threshold, once minimumCalls are in the window)──▶ open
//   open ──(openDurationMs passed; checked lazily on the next call, no timer)──▶ half-open
//   half-open ──(all K trials succeeded)──▶ closed      half-open ──(a trial failed)──▶ open (longer)
//   half-open ──(maxHalfOpenWaitMs passed without a verdict; checked lazily)──▶ open (longer)
//   any ──forceOpen()──▶ forced-open    any ──disable()──▶ disabled    any ──reset()──▶ closed
//   (breaker-states.ts has the same diagram as a table, which transition() enforces)
//
// Design notes for readers:
// - The closed path is what every Redis/HTTP call pays, so it allocates nothing of its own: no timer,
//   no AbortController (a shared never-aborting signal unless callTimeoutMs is set), no Date, no event
//   payload unless someone listens, and an outcome is counted on a @lab/metrics tally (a plain
//   number field) that the registry adds to its counter at scrape time.
// - Every transition bumps an epoch. A call remembers the epoch it was admitted in and its outcome
//   only counts if the breaker is still in that epoch: a slow call that started while closed must not
//   be taken for a half-open trial result, and vice versa. The epoch wraps (epoch.ts), so a permit
//   stays a small integer for the life of the process.
// - Half-open admits at most K trial calls per episode and never has more than K trials in flight,
//   counting trials left over from an earlier episode that have not finished yet, except those of
//   an episode that ran out of time (maxHalfOpenWaitMs): a trial that never settles must not hold
//   a permit forever, as resilience4j's maxWaitDurationInHalfOpenState also ensures.
// - State lives in this process only (see README: a shared breaker lets one sick node open it for all).
// - Every state change goes through transition(to, reason), which checks the move against the
//   table in breaker-states.ts and then runs the entry action of the new state.

import type { Tally } from '@lab/metrics';
import { register } from 'prom-client';
import { type BreakerMetrics, breakerMetrics, type CallOutcome } from './breaker-metrics.ts';
import { type CircuitBreakerOptions, resolveBreakerOptions } from './breaker-options.ts';
import {
  assertLegalTransition,
  type BreakerState,
  CLOSED,
  DISABLED,
  FORCED_OPEN,
  HALF_OPEN,
  OPEN,
  STATES,
  type TransitionReason,
} from './breaker-states.ts';
import { type Clock, eventLoopClock } from './clock.ts';
import { EPOCH_LIMIT, epochOf, nextEpoch, permitFor } from './epoch.ts';
import { CircuitOpenError, isTimeout, type TimeoutError } from './errors.ts';
import { Emitter, type Listener } from './events.ts';
import { createWindow, type SlidingWindow } from './sliding-window.ts';
import { NEVER_ABORTED, type Operation, withTimeout } from './timeout.ts';

export { BREAKER_DEFAULTS, type CircuitBreakerOptions } from './breaker-options.ts';
export type { BreakerState, CallOutcome, TransitionReason };

// A permit is what acquire() hands a call: permitFor(epoch, trial) (epoch.ts); or a negative flag.
const REJECTED = -1;
const PASS_THROUGH = -2;

export type ExecuteOptions<T> = {
  /** Used instead of throwing when the breaker rejects the call or the call fails or times out. */
  fallback?: (error: unknown) => T | Promise<T>;
  /** The caller's cancellation. A call the caller cancels is not held against the dependency. */
  signal?: AbortSignal;
};

export type BreakerEvents = {
  stateChange: { name: string; from: BreakerState; to: BreakerState; reason: TransitionReason };
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

class Breaker implements CircuitBreaker {
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
  private readonly events = new Emitter<BreakerEvents>();
  // Calls by outcome since creation: tallies the registry adds to its counter at scrape time. One
  // field each, so counting a call costs the same two loads and a store as a plain number field.
  private readonly successes: Tally;
  private readonly failures: Tally;
  private readonly slowCalls: Tally;
  private readonly rejections: Tally;
  private readonly timeouts: Tally;
  private readonly transitions: BreakerMetrics['transitions'];

  /** The current state, an index into STATES; changed only by transition(). */
  private code = CLOSED;
  private epoch = 0;
  // Open: when it ends, and how long the latest open lasts (grows on repeated opens).
  private openUntil = 0;
  private openDurationMs: number;
  private consecutiveOpens = 0;
  // Half-open, this episode: trials handed out, finished, finished slow; when it gives up waiting.
  private trialsIssued = 0;
  private trialsCompleted = 0;
  private trialsSlow = 0;
  private halfOpenUntil = 0;
  /** Trials of the current half-open episode still running (part of trialsInFlight). */
  private episodeTrialsInFlight = 0;
  /** Trials still running from any episode, except those an episode that timed out gave up. */
  private trialsInFlight = 0;
  /**
   * Epoch → trials still running from a half-open episode that timed out; they hold no permit.
   * Created on the first such episode: most breakers never have one, and a Map costs ~200 bytes.
   */
  private abandonedTrials: Map<number, number> | undefined;

  constructor(options: CircuitBreakerOptions, firstEpoch = 0) {
    const o = resolveBreakerOptions(options, eventLoopClock);
    this.epoch = firstEpoch;
    this.name = o.name;
    this.window = createWindow(o.window);
    this.minimumCalls = o.minimumCalls;
    this.failureRateThreshold = o.failureRateThreshold;
    this.slowCallDurationMs = o.slowCallDurationMs;
    this.slowCallRateThreshold = o.slowCallRateThreshold;
    this.baseOpenDurationMs = o.openDurationMs;
    this.maxOpenDurationMs = o.maxOpenDurationMs;
    this.openDurationMs = o.openDurationMs;
    this.halfOpenPermits = o.halfOpenPermits;
    this.maxHalfOpenWaitMs = o.maxHalfOpenWaitMs;
    this.callTimeoutMs = o.callTimeoutMs;
    this.isFailure = o.isFailure;
    this.clock = o.clock;
    const metrics = breakerMetrics(o.registry ?? register, this.name, this, Breaker.stateCode);
    ({
      success: this.successes,
      failure: this.failures,
      slow: this.slowCalls,
      rejected: this.rejections,
      timeout: this.timeouts,
    } = metrics.calls);
    this.transitions = metrics.transitions;
  }

  /** What the state gauge reads at every scrape (which is how a scrape notices an open breaker is due). */
  private static stateCode(breaker: Breaker): number {
    return STATES.indexOf(breaker.state);
  }

  get state(): BreakerState {
    if (this.code === OPEN) {
      if (this.clock.now() >= this.openUntil) this.transition(HALF_OPEN, 'open-elapsed');
    } else if (this.code === HALF_OPEN) {
      if (this.clock.now() >= this.halfOpenUntil) this.abandonHalfOpen();
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
      if (this.clock.now() < this.openUntil) return REJECTED;
      this.transition(HALF_OPEN, 'open-elapsed');
    } else if (code === HALF_OPEN) {
      if (this.clock.now() >= this.halfOpenUntil) {
        this.abandonHalfOpen();
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
    this.rejections.value += 1;
    const state = STATES[this.code] as BreakerState;
    if (this.events.has('rejected')) this.events.emit('rejected', { name: this.name, state });
    const retryAfterMs = this.code === OPEN ? Math.max(0, this.openUntil - this.clock.now()) : 0;
    return new CircuitOpenError(this.name, state, retryAfterMs);
  }

  private onSuccess(permit: number, started: number): void {
    const now = this.clock.now();
    const durationMs = now - started;
    if (durationMs > this.slowCallDurationMs) {
      this.slowCalls.value += 1;
      if (this.events.has('slow')) this.events.emit('slow', { name: this.name, durationMs });
      this.record(permit, false, true, now);
    } else {
      this.successes.value += 1;
      if (this.events.has('success')) this.events.emit('success', { name: this.name, durationMs });
      this.record(permit, false, false, now);
    }
  }

  /** Records a thrown error; returns whether it counted against the dependency (fallback applies). */
  private onError(permit: number, error: unknown, started: number, signal: AbortSignal | undefined): boolean {
    const now = this.clock.now();
    const durationMs = now - started;
    if (isTimeout(error)) {
      this.timeouts.value += 1;
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
    this.failures.value += 1;
    if (this.events.has('failure')) this.events.emit('failure', { name: this.name, durationMs, error });
    this.record(permit, true, durationMs > this.slowCallDurationMs, now);
    return true;
  }

  /** Half-open ran out of time: open again, and the trials still running give their permits up. */
  private abandonHalfOpen(): void {
    if (this.episodeTrialsInFlight > 0) {
      this.abandonedTrials ??= new Map();
      this.abandonedTrials.set(this.epoch, this.episodeTrialsInFlight);
      this.trialsInFlight -= this.episodeTrialsInFlight;
    }
    this.transition(OPEN, 'half-open-timeout');
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
        this.transition(OPEN, 'trial-failed');
        return;
      }
      if (slow) this.trialsSlow += 1;
      if (this.trialsCompleted >= this.halfOpenPermits) {
        if (this.trialsSlow >= this.slowCallRateThreshold * this.halfOpenPermits) {
          this.transition(OPEN, 'trials-slow');
        } else {
          this.transition(CLOSED, 'trials-passed');
        }
      }
      return;
    }
    const window = this.window;
    window.record(failed, slow, now);
    if (window.calls < this.minimumCalls) return;
    if (window.failures >= this.failureRateThreshold * window.calls) this.transition(OPEN, 'failure-rate');
    else if (window.slowCalls >= this.slowCallRateThreshold * window.calls) {
      this.transition(OPEN, 'slow-call-rate');
    }
  }

  private release(permit: number): void {
    if ((permit & 1) === 0) return;
    const epoch = epochOf(permit);
    this.trialEnded(epoch);
    if (epoch === this.epoch) this.trialsIssued -= 1;
  }

  /**
   * The one place the state changes: checks the move against the table (breaker-states.ts), starts
   * a new epoch (so outcomes of calls admitted before it no longer count), runs the new state's
   * entry action, then reports the change.
   */
  private transition(to: number, reason: TransitionReason): void {
    const from = this.code;
    const fromName = STATES[from] as BreakerState;
    const toName = STATES[to] as BreakerState;
    assertLegalTransition(this.name, fromName, toName, reason);
    this.code = to;
    this.epoch = nextEpoch(this.epoch);
    this.window.clear();
    this.episodeTrialsInFlight = 0;
    const now = this.clock.now();
    if (to === OPEN) this.enterOpen(now);
    else if (to === HALF_OPEN) this.enterHalfOpen(now);
    else if (to === CLOSED) this.enterClosed();
    this.transitions.inc({ name: this.name, from: fromName, to: toName });
    this.events.emit('stateChange', { name: this.name, from: fromName, to: toName, reason });
  }

  private enterOpen(now: number): void {
    // Repeated opens without a successful close in between wait longer: 1x, 2x, 4x ... up to the max.
    this.openDurationMs = Math.min(
      this.maxOpenDurationMs,
      this.baseOpenDurationMs * 2 ** this.consecutiveOpens,
    );
    this.consecutiveOpens += 1;
    this.openUntil = now + this.openDurationMs;
  }

  private enterHalfOpen(now: number): void {
    this.halfOpenUntil = now + this.maxHalfOpenWaitMs;
    this.trialsIssued = 0;
    this.trialsCompleted = 0;
    this.trialsSlow = 0;
  }

  private enterClosed(): void {
    this.consecutiveOpens = 0;
    this.openDurationMs = this.baseOpenDurationMs;
  }

  forceOpen(): void {
    if (this.code !== FORCED_OPEN) this.transition(FORCED_OPEN, 'forced');
  }

  disable(): void {
    if (this.code !== DISABLED) this.transition(DISABLED, 'disabled');
  }

  reset(): void {
    if (this.code !== CLOSED) this.transition(CLOSED, 'reset');
    // Already closed: no transition, but the window and the open duration still start afresh.
    this.window.clear();
    this.enterClosed();
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
      totals: {
        success: this.successes.value,
        failure: this.failures.value,
        slow: this.slowCalls.value,
        rejected: this.rejections.value,
        timeout: this.timeouts.value,
      },
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
}
