// POST /v1/check: may this key spend `cost` units now, under a stored rule or an inline policy,
// optionally inside its tenant's tier? Always 200 with the decision: "no" is an answer, not an
// error, so a resilient HTTP client in front of this service never retries or trips its breaker
// on it. The same RateLimit/RateLimit-Policy/Retry-After headers a gateway would send are set on
// this response and copied into the body, for the caller to forward.
//
// Who may ask what (the token decides, never the body):
//   - the tenant is the token's; naming another one needs the `service` scope (403 otherwise);
//   - a caller without `service` counts inside its tenant's key namespace (counterKeyFor);
//   - an inline policy needs the `rate-limiter:inline` scope and stays within INLINE_BOUNDS.
import { type LimitResult, type RateLimiter, type Rule, rateLimitHeaders } from '@lab/ratelimit';
import { type AuthClaims, authOf, forbidden, HttpError, hasScope } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type { PolicyStore } from '../adapters/policy-store.ts';
import { counterKeyFor, planCheck, ruleFromInline, type TierRecord } from '../domain/policies.ts';
import { asClientError, checkedRule } from './errors.ts';
import { checkBody } from './schemas.ts';

/** Acting for any tenant: a gateway or another service deciding for its callers. */
export const SERVICE_SCOPE = 'service';
/** Sending a policy with the check instead of naming a stored rule. */
export const INLINE_SCOPE = 'rate-limiter:inline';

export function checkHandler({
  limiter,
  store,
}: {
  limiter: RateLimiter;
  store: PolicyStore;
}): RequestHandler {
  return async (req, res) => {
    const claims = authOf(res) as AuthClaims; // behind requireAuth
    const body = checkBody.parse(req.body);
    const actsForOthers = hasScope(claims, SERVICE_SCOPE);
    if (body.tenant !== undefined && body.tenant !== claims.tenant && !actsForOthers) {
      throw forbidden(SERVICE_SCOPE, `checking for tenant "${body.tenant}"`);
    }
    const rule = await ruleOf(store, claims, body);
    const tenant = body.tenant === undefined ? undefined : await tenantOf(store, claims, body.tenant);
    const key = counterKeyFor(body.key, { tenant: claims.tenant, actsForOthers });
    const result = await asClientError(() =>
      limiter.checkLevels(planCheck(rule, key, tenant), { cost: body.cost }),
    );
    const headers = rateLimitHeaders(result);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.json(decisionBody(result, headers));
  };
}

type CheckBody = ReturnType<typeof checkBody.parse>;

async function ruleOf(store: PolicyStore, claims: AuthClaims, body: CheckBody): Promise<Rule> {
  if (body.policy !== undefined) {
    if (!hasScope(claims, INLINE_SCOPE)) throw forbidden(INLINE_SCOPE, 'an inline policy');
    return checkedRule(ruleFromInline(body.policy), 'INVALID_POLICY');
  }
  const found = await store.rule(body.rule as string);
  if (!found) throw new HttpError(400, 'UNKNOWN_RULE', `There is no rule named "${body.rule}".`);
  return found.rule;
}

/**
 * The tenant's stored tier. The caller's own tenant may have no row yet: its token's `tier` claim
 * applies. A tenant named by a service must exist: an invented name is a 400, not a fresh tier.
 */
async function tenantOf(
  store: PolicyStore,
  claims: AuthClaims,
  id: string,
): Promise<{ id: string; tier: TierRecord } | undefined> {
  const stored = await store.tenant(id);
  if (!stored && id !== claims.tenant) {
    throw new HttpError(400, 'UNKNOWN_TENANT', `There is no tenant "${id}".`);
  }
  const tier = await store.tier(stored?.tier ?? claims.tier);
  return tier ? { id, tier } : undefined;
}

function decisionBody(result: LimitResult, headers: Record<string, string>) {
  return {
    allowed: result.allowed,
    limit: result.limit,
    remaining: result.remaining,
    resetMs: result.resetMs,
    retryAfterMs: result.retryAfterMs,
    rule: result.rule?.name ?? null,
    source: result.source,
    shadowDenied: result.shadowDenied,
    levels: result.levels.map((level) => ({
      rule: level.rule.name,
      algorithm: level.rule.algorithm,
      allowed: level.allowed,
      limit: level.limit,
      remaining: level.remaining,
      resetMs: level.resetMs,
      retryAfterMs: level.retryAfterMs,
    })),
    headers,
  };
}
