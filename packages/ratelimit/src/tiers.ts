// Plans as limits. The defaults are the seed's free 100/min, pro 1,000/min, enterprise unlimited
// (one seed says pro is 10K; the lab picks 1,000 and makes it a parameter). A tier's rule is
// named `<base>.<tier>` so headers and metrics say which plan's quota applies.
import type { Request, Response } from 'express';
import { TIERED_RULE_DEFAULTS } from './defaults.ts';
import type { Algorithm, FailMode, Rule } from './policy.ts';
import { validateRule } from './policy.ts';

export type TierLimit = { limit: number; windowMs: number; burst?: number } | 'unlimited';
export type TierTable = Record<string, TierLimit>;

export const DEFAULT_TIERS: TierTable = {
  free: { limit: 100, windowMs: 60_000 },
  pro: { limit: 1_000, windowMs: 60_000 },
  enterprise: 'unlimited',
};

export type TieredRuleOptions = {
  /** Base name; each tier's rule is `<name>.<tier>`. */
  name: string;
  algorithm: Algorithm;
  /** @default DEFAULT_TIERS — free, pro and enterprise (unlimited) */
  tiers?: TierTable;
  /** Tier for requests without one (anonymous, or a tier missing from the table). @default 'free' */
  defaultTier?: string;
  /** Where the tier comes from. @default the JWT's `tier` claim (res.locals.auth, or req.auth) */
  tierOf?: (req: Request, res: Response) => string | undefined;
  failMode?: FailMode;
  shadow?: boolean;
};

/** The tier's rule, or undefined for an unlimited tier (no check, no Redis call). */
export type RuleChooser = (req: Request, res: Response) => Rule | undefined;

export function tieredRule(options: TieredRuleOptions): RuleChooser {
  const tiers = options.tiers ?? DEFAULT_TIERS;
  const defaultTier = options.defaultTier ?? TIERED_RULE_DEFAULTS.defaultTier;
  if (!(defaultTier in tiers)) throw new RangeError(`default tier "${defaultTier}" is not in the tier table`);
  // Rules are built (and validated) once, not per request.
  const rules = new Map<string, Rule | undefined>();
  for (const [tier, limit] of Object.entries(tiers)) {
    rules.set(
      tier,
      limit === 'unlimited'
        ? undefined
        : validateRule({
            name: `${options.name}.${tier}`,
            algorithm: options.algorithm,
            ...limit,
            ...(options.failMode ? { failMode: options.failMode } : {}),
            ...(options.shadow ? { shadow: true } : {}),
          }),
    );
  }
  const tierOf = options.tierOf ?? tierClaim;
  return (req, res) => {
    const tier = tierOf(req, res);
    return tier !== undefined && rules.has(tier) ? rules.get(tier) : rules.get(defaultTier);
  };
}

function tierClaim(req: Request, res: Response): string | undefined {
  const auth = (res.locals.auth ?? (req as Request & { auth?: unknown }).auth) as
    | { tier?: unknown }
    | undefined;
  return typeof auth?.tier === 'string' ? auth.tier : undefined;
}
