// The limiter's Prometheus metrics. A check runs on every request, and prom-client's labelled
// `inc()` hashes the label set on every call (it was the largest single cost of a check in a
// profile), so the hot path bumps a plain number and the counters are brought up to date when
// Prometheus scrapes (prom-client's `collect` hook), the way @lab/resilience's breaker does.
import { counter } from '@lab/metrics';
import { type Counter, type Registry, register } from 'prom-client';
import type { Rule } from './policy.ts';

export type Outcome =
  | 'allowed'
  | 'denied'
  | 'shadow_denied'
  | 'local_blocked'
  | 'insurance_allowed'
  | 'insurance_denied'
  | 'fail_open'
  | 'fail_closed';

export type RedisErrorReason = 'not_ready' | 'timeout' | 'circuit_open' | 'error';

export type LimiterMetrics = {
  decision(rule: Rule, outcome: Outcome): void;
  redisError(reason: RedisErrorReason): void;
  localBlock(rule: Rule): void;
  /** A split hierarchy gave back a grant (ok) or could not (the units stay spent). */
  refund(ok: boolean): void;
};

/**
 * The most distinct `rule` label values one limiter reports; later ones share OTHER_RULE_LABEL.
 * Rules are configuration, normally tens; the cap keeps a mistake (a name per user, a name sent by
 * a caller) from turning into an unbounded number of series and pending entries.
 */
export const MAX_RULE_LABELS = 500;
export const OTHER_RULE_LABEL = '_other';

/** A count not yet added to its Prometheus counter. */
type Pending<L extends string> = { labels: Record<L, string>; value: number };

/** Every limiter's pending counts per counter, flushed by the counter's collect hook. */
const flushers = new WeakMap<Counter<string>, Set<() => void>>();

/** A limiter counter whose pending counts are flushed whenever the registry is scraped. */
function flushedCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  // Tests and services build many limiters on one registry: @lab/metrics reuses, never registers twice.
  const created: Counter<L> = counter(registry, {
    name,
    help,
    labelNames,
    collect() {
      for (const flush of flushers.get(created as Counter<string>) ?? []) flush();
    },
  });
  return created;
}

/** Pending counts for one counter, keyed by label values; registered for flushing. */
function pendingFor<L extends string>(target: Counter<L>) {
  const pending = new Map<string, Pending<L>>();
  let sources = flushers.get(target as Counter<string>);
  if (!sources) {
    sources = new Set();
    flushers.set(target as Counter<string>, sources);
  }
  sources.add(() => {
    for (const entry of pending.values()) {
      // inc(…, 0) still creates the series, so it is visible from the first scrape on.
      target.inc(entry.labels, entry.value);
      entry.value = 0;
    }
  });
  return (key: string, labels: () => Record<L, string>): Pending<L> => {
    let entry = pending.get(key);
    if (!entry) {
      entry = { labels: labels(), value: 0 };
      pending.set(key, entry);
    }
    return entry;
  };
}

export function createLimiterMetrics(limiter: string, registry: Registry = register): LimiterMetrics {
  const decisions = pendingFor(
    flushedCounter(registry, 'ratelimit_decisions_total', 'Rate-limit decisions by rule and outcome', [
      'limiter',
      'rule',
      'algorithm',
      'outcome',
    ]),
  );
  const redisErrors = pendingFor(
    flushedCounter(
      registry,
      'ratelimit_redis_errors_total',
      'Checks Redis could not answer (the fail mode or insurance decided instead)',
      ['limiter', 'reason'],
    ),
  );
  const localBlocks = pendingFor(
    flushedCounter(
      registry,
      'ratelimit_local_blocks_total',
      'Requests refused from the in-memory block list, without a Redis round trip',
      ['limiter', 'rule'],
    ),
  );
  const refunds = pendingFor(
    flushedCounter(
      registry,
      'ratelimit_refunds_total',
      'Grants given back after another Cluster slot refused the check (outcome: ok, failed)',
      ['limiter', 'outcome'],
    ),
  );
  const labels = new Set<string>();
  const ruleLabel = (rule: Rule): string => {
    const label = rule.metricLabel ?? rule.name;
    if (labels.has(label)) return label;
    if (labels.size >= MAX_RULE_LABELS) return OTHER_RULE_LABEL;
    labels.add(label);
    return label;
  };
  // Per rule object, so the hot path builds no label key; a rule seen once (an inline policy)
  // falls back to the key string. Weak: a rule object that is gone takes its entry with it.
  const byRule = new WeakMap<Rule, Partial<Record<Outcome, { value: number }>>>();
  return {
    decision(rule, outcome) {
      let outcomes = byRule.get(rule);
      if (!outcomes) {
        outcomes = {};
        byRule.set(rule, outcomes);
      }
      let entry = outcomes[outcome];
      if (!entry) {
        const { algorithm } = rule;
        const name = ruleLabel(rule);
        entry = decisions(`${name}\0${algorithm}\0${outcome}`, () => ({
          limiter,
          rule: name,
          algorithm,
          outcome,
        }));
        outcomes[outcome] = entry;
      }
      entry.value += 1;
    },
    redisError(reason) {
      redisErrors(reason, () => ({ limiter, reason })).value += 1;
    },
    localBlock(rule) {
      const name = ruleLabel(rule);
      localBlocks(name, () => ({ limiter, rule: name })).value += 1;
    },
    refund(ok) {
      const outcome = ok ? 'ok' : 'failed';
      refunds(outcome, () => ({ limiter, outcome })).value += 1;
    },
  };
}
