// What a limit is (a rule) and what a check answers (a decision), plus the validation both the
// library and the service apply before anything reaches Redis.
import { RateLimitError } from './errors.ts';

export const ALGORITHMS = [
  'fixed-window',
  'sliding-window-log',
  'sliding-window-counter',
  'token-bucket',
  'leaky-bucket',
  'gcra',
] as const;

export type Algorithm = (typeof ALGORITHMS)[number];

/** What to do when Redis cannot answer: let the request through (open) or refuse it (closed). */
export type FailMode = 'open' | 'closed';

export type Rule = {
  /** Stable name: metric label, part of the Redis key, and the IETF policy name in headers. */
  name: string;
  algorithm: Algorithm;
  /** Requests (units of cost) allowed per window; for the buckets and GCRA, the sustained rate. */
  limit: number;
  windowMs: number;
  /** Buckets and GCRA only: how many units may pass at once. @default `limit` — no burst beyond the rate's window */
  burst?: number;
  /**
   * What a check answers while Redis cannot decide.
   * @default 'open' — most rules protect capacity, and a limiter outage should not be an API outage
   */
  failMode?: FailMode;
  /** Decide and record, never refuse: a dark launch to see what a new rule would block. @default false */
  shadow?: boolean;
  /**
   * The `rule` label of this rule's metrics. Set it when names are not a small fixed set, e.g.
   * policies sent by callers (the service labels them all `inline`): a label value is a time
   * series kept for the life of the process.
   * @default `name`
   */
  metricLabel?: string;
};

/** The answer to one check. Times are milliseconds from now, measured on Redis's clock. */
export type Decision = {
  allowed: boolean;
  limit: number;
  /** Units left after this request (when allowed) or right now (when denied). */
  remaining: number;
  /** Until the full quota is back, if nothing else arrives. */
  resetMs: number;
  /** Until a request of the same cost could pass; 0 when allowed. */
  retryAfterMs: number;
};

/** Bounds that keep a rule meaningful and its Redis state small. */
export const LIMITS = {
  maxLimit: 1_000_000_000,
  /** The sliding log stores one member per unit of quota; above this it is the wrong algorithm. */
  maxSlidingLogLimit: 100_000,
  minWindowMs: 1,
  maxWindowMs: 366 * 24 * 3_600_000,
  maxKeyLength: 512,
  ruleName: /^[A-Za-z0-9_.-]{1,64}$/,
} as const;

/** The most units one request can ever take: the bucket size for buckets and GCRA, else the limit. */
export function capacityOf(rule: Rule): number {
  return usesBurst(rule.algorithm) ? (rule.burst ?? rule.limit) : rule.limit;
}

function usesBurst(algorithm: Algorithm): boolean {
  return algorithm === 'token-bucket' || algorithm === 'leaky-bucket' || algorithm === 'gcra';
}

/** Throws RateLimitError('INVALID_RULE') naming the first problem; returns the rule otherwise. */
export function validateRule(rule: Rule): Rule {
  const fail = (why: string): never => {
    throw new RateLimitError('INVALID_RULE', `rule "${String(rule.name)}": ${why}`);
  };
  if (typeof rule.name !== 'string' || !LIMITS.ruleName.test(rule.name)) {
    fail('name must be 1-64 characters of letters, digits, "_", "." or "-"');
  }
  if (!ALGORITHMS.includes(rule.algorithm)) fail(`unknown algorithm; one of ${ALGORITHMS.join(', ')}`);
  if (!Number.isInteger(rule.limit) || rule.limit < 1 || rule.limit > LIMITS.maxLimit) {
    fail(`limit must be an integer from 1 to ${LIMITS.maxLimit}`);
  }
  if (rule.algorithm === 'sliding-window-log' && rule.limit > LIMITS.maxSlidingLogLimit) {
    fail(`the sliding log keeps one entry per request; limit at most ${LIMITS.maxSlidingLogLimit}`);
  }
  if (
    !Number.isInteger(rule.windowMs) ||
    rule.windowMs < LIMITS.minWindowMs ||
    rule.windowMs > LIMITS.maxWindowMs
  ) {
    fail(`windowMs must be an integer from ${LIMITS.minWindowMs} to ${LIMITS.maxWindowMs}`);
  }
  if (rule.burst !== undefined) {
    if (!usesBurst(rule.algorithm)) fail('burst applies to token-bucket, leaky-bucket and gcra only');
    if (!Number.isInteger(rule.burst) || rule.burst < 1 || rule.burst > LIMITS.maxLimit) {
      fail(`burst must be an integer from 1 to ${LIMITS.maxLimit}`);
    }
  }
  if (rule.failMode !== undefined && rule.failMode !== 'open' && rule.failMode !== 'closed') {
    fail('failMode must be "open" or "closed"');
  }
  return rule;
}

export function validateCost(cost: number, rules: Rule | readonly Rule[]): void {
  if (!Number.isInteger(cost) || cost < 1) {
    throw new RateLimitError('INVALID_COST', 'cost must be a positive integer');
  }
  if (Array.isArray(rules)) {
    for (const rule of rules) costFits(cost, rule);
  } else {
    costFits(cost, rules as Rule);
  }
}

function costFits(cost: number, rule: Rule): void {
  // Such a request could never pass; saying so beats a 429 whose Retry-After is a lie.
  if (cost > capacityOf(rule)) {
    throw new RateLimitError(
      'COST_EXCEEDS_LIMIT',
      `cost ${cost} exceeds what rule "${rule.name}" can ever admit at once (${capacityOf(rule)})`,
    );
  }
}

export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > LIMITS.maxKeyLength) {
    throw new RateLimitError('INVALID_KEY', `key must be a string of 1 to ${LIMITS.maxKeyLength} characters`);
  }
}
