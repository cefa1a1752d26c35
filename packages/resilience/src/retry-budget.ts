// Retry budget: retries may add at most `ratio` extra attempts per call (20% by default) over a
// sliding window. Per-call "max attempts" alone multiplies load during an outage: with 3 attempts a
// dead dependency gets 3x the traffic exactly when it can least take it. The budget caps the
// amplification for the whole client: 100 calls in the window earn 20 retries, however many fail.
// It is a token bucket whose tokens expire: each call deposits `ratio` tokens, each retry spends one,
// and both age out of the window, so a calm hour does not fund a storm later. A small floor
// (`minRetriesPerWindow`) lets a quiet client still retry its rare failure.
import { type Clock, eventLoopClock } from './clock.ts';
import { RollingCounters } from './sliding-window.ts';

export type RetryBudgetOptions = {
  /**
   * Extra attempts retries may add, as a share of the calls in the window.
   * @default 0.2
   */
  ratio?: number;
  /**
   * How long calls and retries count against the budget.
   * @default 10
   */
  windowSeconds?: number;
  /**
   * Retries allowed per window however few calls there were.
   * @default 3
   */
  minRetriesPerWindow?: number;
  /** @default eventLoopClock */
  clock?: Clock;
};

export const RETRY_BUDGET_DEFAULTS = {
  // At most 20 % more load on a failing dependency, whatever each call's maxAttempts allows.
  ratio: 0.2,
  // Long enough to span a burst of failures, short enough that a calm hour does not fund a storm.
  windowSeconds: 10,
  // A quiet client (a few calls per window) can still retry its rare failure.
  minRetriesPerWindow: 3,
} as const;

export type RetryBudget = {
  /** A call (first attempt) was made: deposits `ratio` tokens. */
  recordCall(): void;
  /** Spends one token for a retry if one is available. */
  tryRetry(): boolean;
  snapshot(): { calls: number; retries: number; available: number };
};

const CALLS = 0;
const RETRIES = 1;

export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const ratio = options.ratio ?? RETRY_BUDGET_DEFAULTS.ratio;
  const windowSeconds = options.windowSeconds ?? RETRY_BUDGET_DEFAULTS.windowSeconds;
  const floor = options.minRetriesPerWindow ?? RETRY_BUDGET_DEFAULTS.minRetriesPerWindow;
  const clock = options.clock ?? eventLoopClock;
  if (!(ratio >= 0)) throw new RangeError('retry budget ratio must be >= 0');
  if (!(floor >= 0)) throw new RangeError('retry budget minRetriesPerWindow must be >= 0');
  const counters = new RollingCounters(windowSeconds, 10, 2);
  const available = () => {
    counters.refresh(clock.now());
    const { totals } = counters;
    return ratio * (totals[CALLS] as number) + floor - (totals[RETRIES] as number);
  };
  return {
    recordCall: () => counters.add(CALLS, 1, clock.now()),
    tryRetry() {
      if (available() < 1) return false;
      counters.add(RETRIES, 1, clock.now());
      return true;
    },
    snapshot: () => {
      const tokens = available();
      return {
        calls: counters.totals[CALLS] as number,
        retries: counters.totals[RETRIES] as number,
        available: tokens,
      };
    },
  };
}
