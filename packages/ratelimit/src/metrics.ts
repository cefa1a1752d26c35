// The limiter's Prometheus metrics. A check runs on every request, and prom-client's labelled
// `inc()` hashes the label set on every call (it was the largest single cost of a check in a
// profile), so the hot path adds to a tally and the counters are brought up to date when
// Prometheus scrapes: @lab/metrics' scrapedCounter, the lab's one scrape-time counting primitive.
import { scrapedCounter, type Tally } from '@lab/metrics';
import { type Registry, register } from 'prom-client';
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

const REDIS_ERROR_REASONS = ['not_ready', 'timeout', 'circuit_open', 'error'] as const;
export type RedisErrorReason = (typeof REDIS_ERROR_REASONS)[number];

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

/** A limiter's tallies on one counter, flushed when the registry is scraped (see @lab/metrics). */
function pendingFor<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]) {
  return scrapedCounter(registry, { name, help, labelNames }).tally;
}

export function createLimiterMetrics(limiter: string, registry: Registry = register): LimiterMetrics {
  const decisions = pendingFor(
    registry,
    'ratelimit_decisions_total',
    'Rate-limit decisions by rule and outcome',
    ['limiter', 'rule', 'algorithm', 'outcome'],
  );
  const redisErrors = pendingFor(
    registry,
    'ratelimit_redis_errors_total',
    'Checks Redis could not answer (the fail mode or insurance decided instead)',
    ['limiter', 'reason'],
  );
  const localBlocks = pendingFor(
    registry,
    'ratelimit_local_blocks_total',
    'Requests refused from the in-memory block list, without a Redis round trip',
    ['limiter', 'rule'],
  );
  const refunds = pendingFor(
    registry,
    'ratelimit_refunds_total',
    'Grants given back after another Cluster slot refused the check (outcome: ok, failed)',
    ['limiter', 'outcome'],
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
  const byRule = new WeakMap<Rule, Partial<Record<Outcome, Tally>>>();
  // The bounded label sets start at zero, so panels and alerts on rare events (a Redis error, a
  // local block) read a series before the first one: every reason now, each rule's local-block
  // series when the rule is first seen.
  for (const reason of REDIS_ERROR_REASONS) redisErrors(reason, () => ({ limiter, reason }));
  return {
    decision(rule, outcome) {
      let outcomes = byRule.get(rule);
      if (!outcomes) {
        outcomes = {};
        byRule.set(rule, outcomes);
        const name = ruleLabel(rule);
        localBlocks(name, () => ({ limiter, rule: name }));
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
