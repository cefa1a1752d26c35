// From decisions to the LimitResult a caller sees: which level binds, shadow mode, and the metrics
// of every level asked. Kept apart from the limiter's I/O so each rule about the answer (the
// tightest level binds, a shadow level never refuses, a fail mode answers with no quota) reads
// on its own.
import type { DecisionSource, LevelDecision, LimitResult } from './limiter.ts';
import type { LimiterMetrics, Outcome } from './metrics.ts';
import type { Rule } from './policy.ts';

export type ResultContext = { metrics: LimiterMetrics; allShadow: boolean };

/** Builds the result from the levels asked; applies shadow mode; records metrics. */
export function finish(
  context: ResultContext,
  decisions: LevelDecision[],
  deniedLevel: number,
  source: DecisionSource,
): LimitResult {
  const binding = deniedLevel > 0 ? (decisions[deniedLevel - 1] as LevelDecision) : tightest(decisions);
  let shadowDenied = false;
  const result: LimitResult = {
    allowed: deniedLevel === 0,
    limit: binding.limit,
    remaining: binding.remaining,
    resetMs: binding.resetMs,
    retryAfterMs: binding.retryAfterMs,
    rule: binding.rule,
    levels: decisions,
    source,
    shadowDenied: false,
  };
  for (let i = 0; i < decisions.length; i += 1) {
    const decision = decisions[i] as LevelDecision;
    const outcome = outcomeOf(context, source, !decision.allowed, decision.rule);
    if (outcome === 'shadow_denied') shadowDenied = true;
    context.metrics.decision(decision.rule, outcome);
  }
  if (!result.allowed && (context.allShadow || binding.rule.shadow === true)) {
    result.allowed = true;
    result.retryAfterMs = 0;
  }
  // Reported only when it made a difference: the request passes although a shadow level said no.
  result.shadowDenied = shadowDenied && result.allowed;
  return result;
}

function outcomeOf(context: ResultContext, source: DecisionSource, refused: boolean, rule: Rule): Outcome {
  if (refused && (context.allShadow || rule.shadow === true)) return 'shadow_denied';
  if (source === 'local-block') return 'local_blocked';
  if (source === 'insurance') return refused ? 'insurance_denied' : 'insurance_allowed';
  return refused ? 'denied' : 'allowed';
}

/** Refused from the in-memory block list: the blocked level, for the time left on its block. */
export function locallyBlocked(context: ResultContext, rule: Rule, blockedMs: number): LimitResult {
  context.metrics.localBlock(rule);
  const wait = Math.ceil(blockedMs);
  const decision: LevelDecision = {
    rule,
    allowed: false,
    limit: rule.limit,
    remaining: 0,
    resetMs: wait,
    retryAfterMs: wait,
  };
  return finish(context, [decision], 1, 'local-block');
}

/**
 * Redis could not answer and there is no insurance: each rule's fail mode decides. Mixed fail
 * modes: one fail-closed level is enough to refuse (it exists to protect something). No level
 * decisions: nothing is known about any quota, so no quota headers either.
 */
export function failModeResult(
  context: ResultContext,
  rules: readonly Rule[],
  closedRetryMs: number,
): LimitResult {
  const closedIndex = rules.findIndex((rule) => rule.failMode === 'closed' && rule.shadow !== true);
  const closed = closedIndex >= 0;
  const rule = (closed ? rules[closedIndex] : rules[0]) as Rule;
  const retryAfterMs = closed ? closedRetryMs : 0;
  const source: DecisionSource = closed ? 'fail-closed' : 'fail-open';
  const outcome: Outcome = closed ? 'fail_closed' : 'fail_open';
  for (const each of rules) context.metrics.decision(each, outcome);
  const result: LimitResult = {
    allowed: !closed,
    limit: rule.limit,
    remaining: 0,
    resetMs: retryAfterMs,
    retryAfterMs,
    rule,
    levels: [],
    source,
    shadowDenied: false,
  };
  if (!result.allowed && (context.allShadow || rule.shadow === true)) {
    return { ...result, allowed: true, retryAfterMs: 0, shadowDenied: true };
  }
  return result;
}

/** A request no rule applies to (an unlimited tier): allowed, no quota, no Redis call. */
export function unlimitedResult(): LimitResult {
  return {
    allowed: true,
    limit: Number.POSITIVE_INFINITY,
    remaining: Number.POSITIVE_INFINITY,
    resetMs: 0,
    retryAfterMs: 0,
    rule: undefined,
    levels: [],
    source: 'unlimited',
    shadowDenied: false,
  };
}

/** The level that runs out first: fewest units left, then the longest wait for a full quota. */
function tightest(decisions: readonly LevelDecision[]): LevelDecision {
  let best = decisions[0] as LevelDecision;
  for (const decision of decisions) {
    if (decision.rule.shadow === true && best.rule.shadow !== true) continue; // shadow levels never bind
    if (best.rule.shadow === true && decision.rule.shadow !== true) {
      best = decision;
      continue;
    }
    if (
      decision.remaining < best.remaining ||
      (decision.remaining === best.remaining && decision.resetMs > best.resetMs)
    ) {
      best = decision;
    }
  }
  return best;
}
