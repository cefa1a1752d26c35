// The limiter: turns "may this key do this now?" into one Redis round trip, and decides something
// sensible without one when Redis cannot answer. The order of a check:
//   1. in-memory block list: a key Redis refused recently is refused here, no round trip;
//   2. Redis not connected -> fallback at once (ioredis would otherwise fail or queue the call);
//   3. circuit breaker around the script call, with a time limit: a sick Redis costs one fast
//      failure per request, and none at all once the breaker is open;
//   4. fallback: the insurance limiter if enabled, else each rule's fail mode (open or closed);
//   5. shadow rules: record what would have been refused, let it through.

import { randomBytes } from 'node:crypto';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitOpenError,
  createCircuitBreaker,
} from '@lab/resilience';
import type { Registry } from 'prom-client';
import { DeadlineTimer, RedisTimeoutError } from './deadline.ts';
import { InsuranceLimiter, type InsuranceOptions } from './insurance.ts';
import { counterKey } from './keys.ts';
import { LocalBlockList } from './local-block.ts';
import { createLimiterMetrics, type Outcome, type RedisErrorReason } from './metrics.ts';
import {
  capacityOf,
  type Decision,
  RateLimitError,
  type Rule,
  validateCost,
  validateKey,
  validateRule,
} from './policy.ts';
import {
  ALGORITHM_SCRIPTS,
  type DecodedLevel,
  decodeReply,
  type RedisClient,
  runHierarchy,
  runSingle,
  type ScriptLevel,
  type ScriptReply,
} from './scripts.ts';
import { runPerSlot } from './slot-split.ts';
import { writeCoalescer } from './write-coalescer.ts';

/** One level of a check: a rule applied to a key (an IP, a user, a tenant, "all"). */
export type Level = { rule: Rule; key: string };

export type LevelDecision = Decision & { rule: Rule };

export type DecisionSource =
  | 'redis'
  | 'local-block'
  | 'insurance'
  | 'fail-open'
  | 'fail-closed'
  | 'unlimited';

export type LimitResult = Decision & {
  /** The level that decided: the one that refused, else the one with the least quota left. */
  rule: Rule | undefined;
  /** Every level that was asked, in the order asked (cheapest first); empty when none was. */
  levels: LevelDecision[];
  source: DecisionSource;
  /** A shadow rule would have refused this request; it was let through. */
  shadowDenied: boolean;
};

export type BreakerSettings = Partial<Omit<CircuitBreakerOptions, 'name' | 'registry' | 'callTimeoutMs'>>;

export type RateLimiterOptions = {
  redis: RedisClient;
  /** Names this limiter in metrics and its breaker. Default 'ratelimit'. */
  name?: string;
  /** Prefix of every Redis key. Default 'rl:'. */
  prefix?: string;
  /**
   * Time limit for one Redis call; past it the check falls back. Default 100 ms. A hung Redis gets
   * its fallback decision within timeoutMs + timeoutMs / 4 (the sweep), so for a 50 ms bound use
   * about 30 ms or less; see DEFAULT_TIMEOUT_MS for what a tight limit costs under load.
   */
  timeoutMs?: number;
  /** Breaker options (window, thresholds, open duration), or false for no breaker. */
  breaker?: BreakerSettings | false;
  /** In-memory stand-in while Redis is down; off by default (then each rule's failMode decides). */
  insurance?: boolean | InsuranceOptions;
  /** Refuse keys Redis already refused without asking again, until their retry time. Default on. */
  localBlock?: boolean | { maxEntries?: number };
  /** Every rule in shadow mode (decide, record, never refuse). Default false. */
  shadow?: boolean;
  /** Send the checks of one event-loop turn in one socket write (see writeCoalescer). Default true. */
  coalesceWrites?: boolean;
  /**
   * Decide a hierarchy with one script per level and refunds (slot-split.ts) instead of one atomic
   * script. Default: true on a Cluster client, where keys of different slots cannot share a script;
   * false on a standalone Redis. Set it to exercise the Cluster protocol on one server.
   */
  splitSlots?: boolean;
  registry?: Registry;
};

export type CheckOptions = {
  /** Units this request takes (weighted requests). Default 1. */
  cost?: number;
};

export type RateLimiter = {
  readonly name: string;
  /** Every rule in shadow mode: results never refuse, so middleware shows no quota headers. */
  readonly shadow: boolean;
  /** One rule, one key. */
  check(rule: Rule, key: string, options?: CheckOptions): Promise<LimitResult>;
  /** Several levels decided atomically: all consume, or (if one refuses) none does. */
  checkLevels(levels: readonly Level[], options?: CheckOptions): Promise<LimitResult>;
  /** The breaker around Redis (undefined if disabled), for health pages and tests. */
  readonly breaker: CircuitBreaker | undefined;
  /** Forget every in-memory block, e.g. after a rule's limit was raised. */
  clearLocalBlocks(): void;
};

// Half of the last 20 calls failing (once 5 are in) opens the breaker: a limiter is on every
// request, so 20 calls are milliseconds of traffic and a dead Redis is detected almost at once.
// It stays open 1 s, doubling on repeated failures up to 10 s, then 2 trial calls decide.
const BREAKER_DEFAULTS: BreakerSettings = {
  window: { type: 'count', size: 20 },
  minimumCalls: 5,
  failureRateThreshold: 0.5,
  openDurationMs: 1_000,
  maxOpenDurationMs: 10_000,
  halfOpenPermits: 2,
};

// The time limit counts from the call to the reply being READ, so it includes this process's own
// event-loop lag. A saturated server (the benchmark: p99 of tens of ms) times out replies Redis sent
// in well under 1 ms; at 30 ms the breaker then opened and whole rounds failed open, turning the
// limiter off exactly when the load was highest. 100 ms keeps that from happening; a deployment
// that must decide within 50 ms while Redis hangs sets a lower limit and accepts that risk.
const DEFAULT_TIMEOUT_MS = 100;

/** Seconds a fail-closed answer asks the client to wait when nothing better is known. */
const FAIL_CLOSED_RETRY_MS = 1_000;

/**
 * Refuses options that would quietly misbehave later: a NaN bound never evicts (memory grows with
 * every key), a non-positive time limit never waits. Thrown at construction, not on a request.
 */
function validateOptions(options: RateLimiterOptions): void {
  const fail = (why: string): never => {
    throw new RateLimitError('INVALID_OPTIONS', `createRateLimiter: ${why}`);
  };
  const positiveInteger = (value: unknown) => Number.isInteger(value) && (value as number) > 0;
  if (typeof options.redis?.defineCommand !== 'function') fail('redis must be an ioredis client');
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    fail('name must be a non-empty string');
  }
  if (options.prefix !== undefined && typeof options.prefix !== 'string') fail('prefix must be a string');
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    fail('timeoutMs must be a positive number');
  }
  if (typeof options.localBlock === 'object' && options.localBlock.maxEntries !== undefined) {
    if (!positiveInteger(options.localBlock.maxEntries))
      fail('localBlock.maxEntries must be a positive integer');
  }
  if (typeof options.insurance === 'object') {
    const { share, maxKeys } = options.insurance;
    if (share !== undefined && !(share > 0 && share <= 1)) fail('insurance.share must be in (0, 1]');
    if (maxKeys !== undefined && !positiveInteger(maxKeys))
      fail('insurance.maxKeys must be a positive integer');
  }
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  validateOptions(options);
  const name = options.name ?? 'ratelimit';
  const prefix = options.prefix ?? 'rl:';
  const redis = options.redis;
  const metrics = createLimiterMetrics(name, options.registry);
  const deadline = new DeadlineTimer(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const breaker =
    options.breaker === false
      ? undefined
      : createCircuitBreaker({
          ...BREAKER_DEFAULTS,
          ...options.breaker,
          name: `${name}-redis`,
          ...(options.registry ? { registry: options.registry } : {}),
        });
  const insurance = options.insurance
    ? new InsuranceLimiter(options.insurance === true ? {} : options.insurance)
    : undefined;
  const blocks =
    options.localBlock === false
      ? undefined
      : new LocalBlockList(typeof options.localBlock === 'object' ? options.localBlock : {});
  const allShadow = options.shadow === true;
  const validated = new WeakSet<Rule>();

  const validRule = (rule: Rule): Rule => {
    if (!validated.has(rule)) {
      validateRule(rule);
      validated.add(rule);
    }
    return rule;
  };

  const coalesce = options.coalesceWrites !== false ? writeCoalescer(redis) : () => {};
  const splitSlots = options.splitSlots ?? (redis as { isCluster?: boolean }).isCluster === true;
  // Names each split check's grant, so its refund removes exactly what it added (unique per process
  // by the random part, per check by the counter).
  const grantPrefix = randomBytes(6).toString('base64url');
  let grants = 0;
  const transport = { redis, beforeSend: coalesce, onRefund: (ok: boolean) => metrics.refund(ok) };
  const timedSplit = (levels: ScriptLevel[], cost: number) => {
    grants = (grants + 1) % Number.MAX_SAFE_INTEGER;
    return deadline.run(runPerSlot(transport, levels, cost, `${grantPrefix}${grants.toString(36)}`));
  };
  const timedSingle = (level: ScriptLevel, cost: number) => {
    coalesce();
    return deadline.run(runSingle(redis, level, cost));
  };
  const timedHierarchy = (levels: ScriptLevel[], cost: number) => {
    coalesce();
    return deadline.run(runHierarchy(redis, levels, cost));
  };

  /** Steps 1-4 of a check (see the top of this file); shadow mode and metrics are in finish(). */
  function decide(
    levels: readonly Level[],
    scriptLevels: ScriptLevel[],
    cost: number,
  ): Promise<LimitResult> | LimitResult {
    if (blocks) {
      for (let i = 0; i < levels.length; i += 1) {
        const blockedMs = blocks.blockedFor((scriptLevels[i] as ScriptLevel).key, cost);
        if (blockedMs > 0) return locallyBlocked((levels[i] as Level).rule, blockedMs);
      }
    }
    if (redis.status !== 'ready') return fallback(levels, scriptLevels, cost, 'not_ready');
    const single = scriptLevels.length === 1;
    const call = single
      ? () => timedSingle(scriptLevels[0] as ScriptLevel, cost)
      : splitSlots
        ? () => timedSplit(scriptLevels, cost)
        : () => timedHierarchy(scriptLevels, cost);
    return (breaker ? breaker.execute(call) : call()).then(
      (reply) => fromReply(reply, levels, scriptLevels, cost),
      (error: unknown) => fallback(levels, scriptLevels, cost, reasonOf(error)),
    );
  }

  function locallyBlocked(rule: Rule, blockedMs: number): LimitResult {
    metrics.localBlock(rule);
    const wait = Math.ceil(blockedMs);
    const decision: LevelDecision = {
      rule,
      allowed: false,
      limit: rule.limit,
      remaining: 0,
      resetMs: wait,
      retryAfterMs: wait,
    };
    return finish([decision], 1, 'local-block');
  }

  function fromReply(
    reply: ScriptReply,
    levels: readonly Level[],
    scriptLevels: ScriptLevel[],
    cost: number,
  ): LimitResult {
    const decoded = decodeReply(reply);
    const decisions: LevelDecision[] = decoded.levels.map((level: DecodedLevel, i) => {
      const rule = (levels[i] as Level).rule;
      return { rule, limit: rule.limit, ...level };
    });
    const deniedLevel = decoded.deniedLevel;
    if (deniedLevel > 0 && blocks) {
      const denied = decisions[deniedLevel - 1] as LevelDecision;
      blocks.block((scriptLevels[deniedLevel - 1] as ScriptLevel).key, denied.retryAfterMs, cost);
    }
    return finish(decisions, deniedLevel, 'redis');
  }

  function fallback(
    levels: readonly Level[],
    scriptLevels: ScriptLevel[],
    cost: number,
    reason: RedisErrorReason,
  ): LimitResult {
    metrics.redisError(reason);
    if (insurance) {
      // Dark-launched levels sit out while Redis is down: they must not refuse for the real ones.
      const asked = levels
        .map((level, i) => ({ key: (scriptLevels[i] as ScriptLevel).key, rule: level.rule }))
        .filter(
          (level, _, all) => level.rule.shadow !== true || all.every((other) => other.rule.shadow === true),
        );
      const { deniedLevel, decisions } = insurance.check(asked, cost);
      return finish(
        decisions.map((decision, i) => ({ ...decision, rule: (asked[i] as Level).rule })),
        deniedLevel,
        'insurance',
      );
    }
    // Mixed fail modes: one fail-closed level is enough to refuse (it exists to protect something).
    const closedIndex = levels.findIndex(
      (level) => level.rule.failMode === 'closed' && level.rule.shadow !== true,
    );
    const closed = closedIndex >= 0;
    const rule = (closed ? levels[closedIndex] : levels[0]) as Level;
    const retryAfterMs = closed ? Math.max(FAIL_CLOSED_RETRY_MS, breakerRetryMs()) : 0;
    const decision: LevelDecision = {
      rule: rule.rule,
      allowed: !closed,
      limit: rule.rule.limit,
      remaining: 0,
      resetMs: retryAfterMs,
      retryAfterMs,
    };
    // No level decisions: nothing is known about any quota, so no quota headers either.
    return record(
      {
        ...decision,
        rule: rule.rule,
        levels: [],
        source: closed ? 'fail-closed' : 'fail-open',
        shadowDenied: false,
      },
      levels,
    );
  }

  function breakerRetryMs(): number {
    return breaker?.snapshot().openRemainingMs ?? 0;
  }

  /** Builds the result from the levels asked; applies shadow mode; records metrics. */
  function finish(decisions: LevelDecision[], deniedLevel: number, source: DecisionSource): LimitResult {
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
      const outcome = outcomeOf(source, !decision.allowed, decision.rule);
      if (outcome === 'shadow_denied') shadowDenied = true;
      metrics.decision(decision.rule, outcome);
    }
    if (!result.allowed && (allShadow || binding.rule.shadow === true)) {
      result.allowed = true;
      result.retryAfterMs = 0;
    }
    // Reported only when it made a difference: the request passes although a shadow level said no.
    result.shadowDenied = shadowDenied && result.allowed;
    return result;
  }

  function outcomeOf(source: DecisionSource, refused: boolean, rule: Rule): Outcome {
    if (refused && (allShadow || rule.shadow === true)) return 'shadow_denied';
    if (source === 'local-block') return 'local_blocked';
    if (source === 'insurance') return refused ? 'insurance_denied' : 'insurance_allowed';
    return refused ? 'denied' : 'allowed';
  }

  function record(result: LimitResult, levels: readonly Level[]): LimitResult {
    const outcome: Outcome = result.source === 'fail-closed' ? 'fail_closed' : 'fail_open';
    for (const level of levels) metrics.decision(level.rule, outcome);
    if (!result.allowed && (allShadow || result.rule?.shadow === true)) {
      return { ...result, allowed: true, retryAfterMs: 0, shadowDenied: true };
    }
    return result;
  }

  function scriptLevel(rule: Rule, redisKey: string, inHierarchy = false): ScriptLevel {
    const level: ScriptLevel = {
      key: redisKey,
      algorithm: rule.algorithm,
      limit: rule.limit,
      windowMs: rule.windowMs,
      capacity: capacityOf(rule),
    };
    // In a hierarchy a shadow level must not cut the check short: the real levels still decide.
    if (inHierarchy && rule.shadow === true && !allShadow) level.shadow = true;
    return level;
  }

  // Not async: on the hot path every promise layer counts. Validation errors still reject.
  function check(rule: Rule, key: string, checkOptions?: CheckOptions): Promise<LimitResult> {
    try {
      const cost = checkOptions?.cost ?? 1;
      validRule(rule);
      validateKey(key);
      validateCost(cost, rule);
      const redisKey = counterKey(prefix, rule, key);
      return Promise.resolve(decide([{ rule, key }], [scriptLevel(rule, redisKey)], cost));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  function checkLevels(levels: readonly Level[], checkOptions?: CheckOptions): Promise<LimitResult> {
    if (levels.length === 0) return Promise.resolve(unlimitedResult());
    if (levels.length === 1) {
      const only = levels[0] as Level;
      return check(only.rule, only.key, checkOptions);
    }
    try {
      const cost = checkOptions?.cost ?? 1;
      for (const level of levels) {
        validRule(level.rule);
        validateKey(level.key);
      }
      validateCost(
        cost,
        levels.map((level) => level.rule),
      );
      // Cheapest first; a stable sort keeps the caller's order (global -> ... -> endpoint) on ties.
      const ordered = [...levels].sort(
        (a, b) => ALGORITHM_SCRIPTS[a.rule.algorithm].readCost - ALGORITHM_SCRIPTS[b.rule.algorithm].readCost,
      );
      const seen = new Set<string>();
      const scriptLevels = ordered.map((level) => {
        const redisKey = counterKey(prefix, level.rule, level.key);
        if (seen.has(redisKey)) {
          throw new RateLimitError('INVALID_RULE', `two levels share rule "${level.rule.name}" and one key`);
        }
        seen.add(redisKey);
        return scriptLevel(level.rule, redisKey, true);
      });
      return Promise.resolve(decide(ordered, scriptLevels, cost));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  return {
    name,
    shadow: allShadow,
    breaker,
    check,
    checkLevels,
    clearLocalBlocks() {
      blocks?.clear();
    },
  };
}

function reasonOf(error: unknown): RedisErrorReason {
  if (error instanceof CircuitOpenError) return 'circuit_open';
  if (error instanceof RedisTimeoutError) return 'timeout';
  return 'error';
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
