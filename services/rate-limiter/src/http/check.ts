// POST /v1/check: may this key spend `cost` units now, under a stored rule or an inline policy,
// optionally inside its tenant's tier? Always 200 with the decision: "no" is an answer, not an
// error, so a resilient HTTP client in front of this service never retries or trips its breaker
// on it. The same RateLimit/RateLimit-Policy/Retry-After headers a gateway would send are set on
// this response and copied into the body, for the caller to forward.
import { type LimitResult, type RateLimiter, type Rule, rateLimitHeaders } from '@lab/ratelimit';
import { HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type { PolicyStore } from '../adapters/policy-store.ts';
import { planCheck, ruleFromInline } from '../domain/policies.ts';
import { asClientError, checkedRule } from './errors.ts';
import { checkBody } from './schemas.ts';

export function checkHandler({
  limiter,
  store,
}: {
  limiter: RateLimiter;
  store: PolicyStore;
}): RequestHandler {
  return async (req, res) => {
    const body = checkBody.parse(req.body);
    let rule: Rule;
    if (body.rule !== undefined) {
      const found = await store.rule(body.rule);
      if (!found) throw new HttpError(400, 'UNKNOWN_RULE', `There is no rule named "${body.rule}".`);
      rule = found.rule;
    } else {
      rule = checkedRule(ruleFromInline(body.policy as NonNullable<typeof body.policy>), 'INVALID_POLICY');
    }
    const tier = body.tenant !== undefined ? await store.tierOfTenant(body.tenant) : undefined;
    const plan = planCheck(
      rule,
      body.key,
      body.tenant !== undefined && tier ? { id: body.tenant, tier } : undefined,
    );
    const result = await asClientError(() =>
      limiter.checkLevels(plan.levels, { cost: body.cost, ...(plan.tag ? { tag: plan.tag } : {}) }),
    );
    const headers = rateLimitHeaders(result);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.json(decisionBody(result, headers));
  };
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
