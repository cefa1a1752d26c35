// Pure policy logic: the records the API stores, the limiter rules they become, and which levels a
// check asks. No I/O; unit-tested.
import type { Algorithm, FailMode, Level, Rule } from '@lab/ratelimit';

/** A stored rule as the API shows it. */
export type RuleRecord = {
  name: string;
  algorithm: Algorithm;
  limit: number;
  windowMs: number;
  burst?: number;
  failMode: FailMode;
  shadow: boolean;
  description: string;
  version: number;
  createdAt: string;
  updatedAt: string;
};

/** What a client sends to create or replace a rule. */
export type RuleInput = Pick<RuleRecord, 'algorithm' | 'limit' | 'windowMs'> &
  Partial<Pick<RuleRecord, 'burst' | 'failMode' | 'shadow' | 'description'>>;

/** A plan: a limit shared by every request of a tenant on it; `limit: null` = unlimited. */
export type TierRecord = { name: string; algorithm: Algorithm; limit: number | null; windowMs: number };

export type TenantRecord = { id: string; tier: string };

/** A policy sent with the check itself instead of a stored rule name. */
export type InlinePolicy = {
  name?: string;
  algorithm: Algorithm;
  limit: number;
  windowMs: number;
  burst?: number;
  failMode?: FailMode;
};

/** Inline policies share one name unless they bring one: a name is a counter and a metric label. */
export const INLINE_RULE_NAME = 'inline';

export function ruleFromInput(name: string, input: RuleInput): Rule {
  return {
    name,
    algorithm: input.algorithm,
    limit: input.limit,
    windowMs: input.windowMs,
    ...(input.burst !== undefined ? { burst: input.burst } : {}),
    failMode: input.failMode ?? 'open',
    ...(input.shadow ? { shadow: true } : {}),
  };
}

export function ruleFromInline(policy: InlinePolicy): Rule {
  return ruleFromInput(policy.name ?? INLINE_RULE_NAME, policy);
}

/** The limiter rule of a tier, named `tier.<name>`; undefined when the tier is unlimited. */
export function tierRule(tier: TierRecord): Rule | undefined {
  if (tier.limit === null) return undefined;
  return { name: `tier.${tier.name}`, algorithm: tier.algorithm, limit: tier.limit, windowMs: tier.windowMs };
}

export type CheckPlan = { levels: Level[]; tag?: string };

/**
 * The levels of a check: the tenant's tier first (outermost), keyed by the tenant, then the rule,
 * keyed by the caller's key. With a tenant, the tenant id is the hash tag, so both counters live
 * in one Redis Cluster slot and are decided in one atomic script.
 */
export function planCheck(rule: Rule, key: string, tenant?: { id: string; tier: TierRecord }): CheckPlan {
  const levels: Level[] = [];
  const tenantRule = tenant ? tierRule(tenant.tier) : undefined;
  if (tenant && tenantRule) levels.push({ rule: tenantRule, key: tenant.id });
  levels.push({ rule, key });
  return tenant && tenantRule ? { levels, tag: `tenant:${tenant.id}` } : { levels };
}

/** Cursor for the rule list: the last name of the previous page, opaque to clients. */
export function encodeCursor(lastName: string): string {
  return Buffer.from(lastName, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? name : undefined;
}
