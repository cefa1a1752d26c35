// Pure policy logic: the records the API stores, the limiter rules they become, and which levels a
// check asks. No I/O; unit-tested.
import type { Algorithm, FailMode, Level, Rule } from '@lab/ratelimit';

/**
 * Rule and tenant names. The first character is a letter or digit, so a name is never "." or
 * "..", which HTTP clients resolve away as path segments (`/v1/rules/..` is `/v1/`).
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

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

/** A policy sent with the check itself instead of a stored rule name (no burst: see INLINE_BOUNDS). */
export type InlinePolicy = {
  name?: string;
  algorithm: Algorithm;
  limit: number;
  windowMs: number;
  failMode?: FailMode;
};

/**
 * Inline policies share one name unless they bring one. The name is part of the counter's key and
 * the header's policy name, but never a metric label: callers choose it, so every inline policy is
 * labelled `inline` and the label set stays the stored rules' names plus this one.
 */
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
  return { ...ruleFromInput(policy.name ?? INLINE_RULE_NAME, policy), metricLabel: INLINE_RULE_NAME };
}

/** The limiter rule of a tier, named `tier.<name>`; undefined when the tier is unlimited. */
export function tierRule(tier: TierRecord): Rule | undefined {
  if (tier.limit === null) return undefined;
  return { name: `tier.${tier.name}`, algorithm: tier.algorithm, limit: tier.limit, windowMs: tier.windowMs };
}

/**
 * The levels of a check: the tenant's tier first (outermost), keyed by the tenant, then the rule,
 * keyed by the caller's key. Each (rule, key) is one counter (the limiter's key layout), so the
 * same rule and key count together whether or not a tenant's tier is checked with them.
 */
export function planCheck(rule: Rule, key: string, tenant?: { id: string; tier: TierRecord }): Level[] {
  const levels: Level[] = [];
  const tenantRule = tenant ? tierRule(tenant.tier) : undefined;
  if (tenant && tenantRule) levels.push({ rule: tenantRule, key: tenant.id });
  levels.push({ rule, key });
  return levels;
}

/**
 * The key a caller's check counts under. A caller acting for others (the `service` scope: a
 * gateway, another service) names keys as they are; anyone else gets its key inside its own
 * tenant's namespace, so tenant A's key `x` is never tenant B's `x`, and no caller can spend
 * another tenant's quota by naming its key. (A service can address `tenant:<id>:<key>` on purpose:
 * it may act for any tenant.)
 */
export function counterKeyFor(key: string, caller: { tenant: string; actsForOthers: boolean }): string {
  return caller.actsForOthers ? key : `tenant:${caller.tenant}:${key}`;
}

/** Cursor for the rule list: the last name of the previous page, opaque to clients. */
export function encodeCursor(lastName: string): string {
  return Buffer.from(lastName, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  return NAME_PATTERN.test(name) ? name : undefined;
}
