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
  createCircuitBreaker,
  isCircuitOpen,
} from '@lab/resilience';
import type { Registry } from 'prom-client';
import { DeadlineTimer } from './deadline.ts';
import { LIMITER_DEFAULTS } from './defaults.ts';
import { isRedisTimeout, RateLimitError } from './errors.ts';
import { InsuranceLimiter, type InsuranceOptions } from './insurance.ts';
import { counterKey } from './keys.ts';
import { LocalBlockList } from './local-block.ts';
import { createLimiterMetrics, type RedisErrorReason } from './metrics.ts';
import { capacityOf, type Decision, type Rule, validateCost, validateKey, validateRule } from './policy.ts';
import { failModeResult, finish, locallyBlocked, type ResultContext, unlimitedResult } from './results.ts';
import {
  ALGORITHM_SCRIPTS,
  decodeReply,
  type RedisClient,
  runHierarchy,
  runSingle,
  type ScriptLevel,
  type ScriptReply,
} from './scripts.ts';
import { runPerSlot, type SplitTransport } from './slot-split.ts';
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
  /** Names this limiter in metrics and its breaker. @default 'ratelimit' — LIMITER_DEFAULTS.name */
  name?: string;
  /** Prefix of every Redis key. @default 'rl:' — LIMITER_DEFAULTS.prefix: short keys use less memory. */
  prefix?: string;
  /**
   * Time limit for one Redis call; past it the check falls back. A hung Redis gets its fallback
   * decision within timeoutMs + timeoutMs / 4 (the sweep), so for a 50 ms bound use about 30 ms or
   * less; see LIMITER_DEFAULTS.timeoutMs for what a tight limit costs under load.
   * @default 100 — LIMITER_DEFAULTS.timeoutMs
   */
  timeoutMs?: number;
  /**
   * Breaker options (window, thresholds, open duration), or false for no breaker.
   * @default LIMITER_DEFAULTS.breaker — 50 % of the last 20 calls (after 5) opens it for 1 s to 10 s.
   */
  breaker?: BreakerSettings | false;
  /**
   * In-memory stand-in while Redis is down; `true` uses LIMITER_DEFAULTS.insurance (share 1,
   * 10,000 keys).
   * @default false — while Redis is down each rule's failMode decides, which is explicit.
   */
  insurance?: boolean | InsuranceOptions;
  /**
   * Refuse keys Redis already refused without asking again, until their retry time.
   * @default { maxEntries: 10_000 } (on) — LIMITER_DEFAULTS.localBlock: no round trip for an abuser.
   */
  localBlock?: boolean | { maxEntries?: number };
  /** Every rule in shadow mode (decide, record, never refuse). @default false — LIMITER_DEFAULTS.shadow */
  shadow?: boolean;
  /** Send the checks of one event-loop turn in one socket write (see writeCoalescer). @default true */
  coalesceWrites?: boolean;
  /**
   * Decide a hierarchy with one script per level and refunds (slot-split.ts) instead of one atomic
   * script. Default: true on a Cluster client, where keys of different slots cannot share a script;
   * false on a standalone Redis. Set it to exercise the Cluster protocol on one server.
   */
  splitSlots?: boolean;
  /** @default prom-client's global registry — tests and benchmarks pass their own. */
  registry?: Registry;
};

export type CheckOptions = {
  /** Units this request takes (weighted requests). @default 1 — MIDDLEWARE_DEFAULTS.cost */
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

const BREAKER_DEFAULTS = LIMITER_DEFAULTS.breaker;
const DEFAULT_TIMEOUT_MS = LIMITER_DEFAULTS.timeoutMs;
const FAIL_CLOSED_RETRY_MS = LIMITER_DEFAULTS.failClosedRetryMs;

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
  return new Limiter(options);
}

/**
 * The limiter's state, resolved once from the options, and the steps of a check (see the top of
 * this file) as methods over it. check and checkLevels are bound, so they may be passed around.
 */
class Limiter implements RateLimiter {
  readonly name: string;
  readonly shadow: boolean;
  readonly breaker: CircuitBreaker | undefined;
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly results: ResultContext;
  private readonly deadline: DeadlineTimer;
  private readonly insurance: InsuranceLimiter | undefined;
  private readonly blocks: LocalBlockList | undefined;
  private readonly validated = new WeakSet<Rule>();
  private readonly coalesce: () => void;
  private readonly splitSlots: boolean;
  private readonly transport: SplitTransport;
  // Names each split check's grant, so its refund removes exactly what it added (unique per process
  // by the random part, per check by the counter).
  private readonly grantPrefix = randomBytes(6).toString('base64url');
  private grants = 0;

  constructor(options: RateLimiterOptions) {
    this.name = options.name ?? LIMITER_DEFAULTS.name;
    this.shadow = (options.shadow ?? LIMITER_DEFAULTS.shadow) === true;
    this.redis = options.redis;
    this.prefix = options.prefix ?? LIMITER_DEFAULTS.prefix;
    const metrics = createLimiterMetrics(this.name, options.registry);
    this.results = { metrics, allShadow: this.shadow };
    this.deadline = new DeadlineTimer(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.breaker =
      options.breaker === false
        ? undefined
        : createCircuitBreaker({
            ...BREAKER_DEFAULTS,
            ...options.breaker,
            name: `${this.name}-redis`,
            ...(options.registry ? { registry: options.registry } : {}),
          });
    this.insurance = options.insurance
      ? new InsuranceLimiter(options.insurance === true ? {} : options.insurance)
      : undefined;
    this.blocks =
      options.localBlock === false
        ? undefined
        : new LocalBlockList(typeof options.localBlock === 'object' ? options.localBlock : {});
    this.coalesce =
      (options.coalesceWrites ?? LIMITER_DEFAULTS.coalesceWrites) ? writeCoalescer(this.redis) : () => {};
    this.splitSlots = options.splitSlots ?? (this.redis as { isCluster?: boolean }).isCluster === true;
    this.transport = { redis: this.redis, beforeSend: this.coalesce, onRefund: (ok) => metrics.refund(ok) };
  }

  // Not async: on the hot path every promise layer counts. Validation errors still reject.
  check = (rule: Rule, key: string, checkOptions?: CheckOptions): Promise<LimitResult> => {
    try {
      const cost = checkOptions?.cost ?? 1;
      this.validRule(rule);
      validateKey(key);
      validateCost(cost, rule);
      const level = this.scriptLevel(rule, counterKey(this.prefix, rule, key));
      return Promise.resolve(this.decide([{ rule, key }], [level], cost));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  checkLevels = (levels: readonly Level[], checkOptions?: CheckOptions): Promise<LimitResult> => {
    if (levels.length === 0) return Promise.resolve(unlimitedResult());
    if (levels.length === 1) {
      const only = levels[0] as Level;
      return this.check(only.rule, only.key, checkOptions);
    }
    try {
      const cost = checkOptions?.cost ?? 1;
      for (const level of levels) {
        this.validRule(level.rule);
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
        const redisKey = counterKey(this.prefix, level.rule, level.key);
        if (seen.has(redisKey)) {
          throw new RateLimitError('INVALID_RULE', `two levels share rule "${level.rule.name}" and one key`);
        }
        seen.add(redisKey);
        return this.scriptLevel(level.rule, redisKey, true);
      });
      return Promise.resolve(this.decide(ordered, scriptLevels, cost));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  clearLocalBlocks = (): void => {
    this.blocks?.clear();
  };

  private validRule(rule: Rule): Rule {
    if (!this.validated.has(rule)) {
      validateRule(rule);
      this.validated.add(rule);
    }
    return rule;
  }

  private scriptLevel(rule: Rule, redisKey: string, inHierarchy = false): ScriptLevel {
    const level: ScriptLevel = {
      key: redisKey,
      algorithm: rule.algorithm,
      limit: rule.limit,
      windowMs: rule.windowMs,
      capacity: capacityOf(rule),
    };
    // In a hierarchy a shadow level must not cut the check short: the real levels still decide.
    if (inHierarchy && rule.shadow === true && !this.shadow) level.shadow = true;
    return level;
  }

  /** Steps 1-4 of a check (see the top of this file); shadow mode and metrics are in results.ts. */
  private decide(
    levels: readonly Level[],
    scriptLevels: ScriptLevel[],
    cost: number,
  ): Promise<LimitResult> | LimitResult {
    if (this.blocks) {
      for (let i = 0; i < levels.length; i += 1) {
        const blockedMs = this.blocks.blockedFor((scriptLevels[i] as ScriptLevel).key, cost);
        if (blockedMs > 0) return locallyBlocked(this.results, (levels[i] as Level).rule, blockedMs);
      }
    }
    if (this.redis.status !== 'ready') return this.fallback(levels, scriptLevels, cost, 'not_ready');
    const call = () => this.send(scriptLevels, cost);
    return (this.breaker ? this.breaker.execute(call) : call()).then(
      (reply) => this.fromReply(reply, levels, scriptLevels, cost),
      (error: unknown) => this.fallback(levels, scriptLevels, cost, reasonOf(error)),
    );
  }

  /** One script for one level or a standalone hierarchy; one per level on a Cluster (slot-split.ts). */
  private send(scriptLevels: ScriptLevel[], cost: number): Promise<ScriptReply> {
    if (scriptLevels.length > 1 && this.splitSlots) {
      this.grants = (this.grants + 1) % Number.MAX_SAFE_INTEGER;
      const grantId = `${this.grantPrefix}${this.grants.toString(36)}`;
      return this.deadline.run(runPerSlot(this.transport, scriptLevels, cost, grantId));
    }
    this.coalesce();
    const reply =
      scriptLevels.length === 1
        ? runSingle(this.redis, scriptLevels[0] as ScriptLevel, cost)
        : runHierarchy(this.redis, scriptLevels, cost);
    return this.deadline.run(reply);
  }

  private fromReply(
    reply: ScriptReply,
    levels: readonly Level[],
    scriptLevels: ScriptLevel[],
    cost: number,
  ): LimitResult {
    const decoded = decodeReply(reply, (i, allowed, remaining, resetMs, retryAfterMs): LevelDecision => {
      const rule = (levels[i] as Level).rule;
      return { rule, allowed, limit: rule.limit, remaining, resetMs, retryAfterMs };
    });
    const { deniedLevel, levels: decisions } = decoded;
    if (deniedLevel > 0 && this.blocks) {
      const denied = decisions[deniedLevel - 1] as LevelDecision;
      this.blocks.block((scriptLevels[deniedLevel - 1] as ScriptLevel).key, denied.retryAfterMs, cost);
    }
    return finish(this.results, decisions, deniedLevel, 'redis');
  }

  private fallback(
    levels: readonly Level[],
    scriptLevels: ScriptLevel[],
    cost: number,
    reason: RedisErrorReason,
  ): LimitResult {
    this.results.metrics.redisError(reason);
    if (this.insurance) {
      // Dark-launched levels sit out while Redis is down: they must not refuse for the real ones.
      const asked = levels
        .map((level, i) => ({ key: (scriptLevels[i] as ScriptLevel).key, rule: level.rule }))
        .filter(
          (level, _, all) => level.rule.shadow !== true || all.every((other) => other.rule.shadow === true),
        );
      const { deniedLevel, decisions } = this.insurance.check(asked, cost);
      return finish(
        this.results,
        decisions.map((decision, i) => ({ ...decision, rule: (asked[i] as Level).rule })),
        deniedLevel,
        'insurance',
      );
    }
    const breakerRetryMs = this.breaker?.snapshot().openRemainingMs ?? 0;
    return failModeResult(
      this.results,
      levels.map((level) => level.rule),
      Math.max(FAIL_CLOSED_RETRY_MS, breakerRetryMs),
    );
  }
}

function reasonOf(error: unknown): RedisErrorReason {
  if (isCircuitOpen(error)) return 'circuit_open';
  if (isRedisTimeout(error)) return 'timeout';
  return 'error';
}

export { unlimitedResult };
