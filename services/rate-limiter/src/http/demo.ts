// GET /v1/demo/protected: an endpoint behind the library's middleware, in process, for load tests
// and for trying the headers with curl. Two levels, decided in one script:
//   global  demo.global: every caller together, DEMO_GLOBAL_PER_SECOND per second;
//   caller  the caller's tier (tier.free / tier.pro; enterprise is unlimited), per user with a
//           token, else per client IP. The tier is the tenant's stored tier, else the token's
//           `tier` claim, else free: a plan change in the database applies without a new token.
import {
  clientAddressKey,
  globalKey,
  type KeyExtractor,
  type RateLimiter,
  type Rule,
  rateLimitMiddleware,
} from '@lab/ratelimit';
import { type AuthClaims, AuthError, authOf, bearerToken, verifyToken } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type { PolicyStore } from '../adapters/policy-store.ts';
import { tierRule } from '../domain/policies.ts';

/** A token is optional here, but a bad one is still a 401. */
export function optionalAuth(secret: string): RequestHandler {
  return async (req, res, next) => {
    if (req.headers.authorization === undefined) return next();
    // RFC 6750 §3: a 401 names the scheme and why, as requireAuth's do.
    res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new AuthError('TOKEN_INVALID', 'The Authorization header is not a bearer token.');
    res.locals.auth = await verifyToken(token, secret);
    res.removeHeader('WWW-Authenticate');
    next();
  };
}

const callerKey: KeyExtractor = (req, res) => {
  const user = authOf(res)?.sub;
  return user ? `user:${user}` : `ip:${clientAddressKey(req.ip ?? req.socket.remoteAddress) ?? 'unknown'}`;
};

async function tierOf(store: PolicyStore, auth: AuthClaims | undefined) {
  if (auth) {
    const tenant = await store.tenant(auth.tenant);
    return store.tier(tenant?.tier ?? auth.tier);
  }
  return store.tier('free');
}

export function demoProtection({
  limiter,
  store,
  globalPerSecond,
}: {
  limiter: RateLimiter;
  store: PolicyStore;
  globalPerSecond: number;
}): RequestHandler {
  const global: Rule = {
    name: 'demo.global',
    algorithm: 'sliding-window-counter',
    limit: globalPerSecond,
    windowMs: 1_000,
  };
  return rateLimitMiddleware({
    limiter,
    levels: [
      { rule: global, key: globalKey() },
      {
        rule: async (_req, res) => {
          const tier = await tierOf(store, authOf(res));
          return tier ? tierRule(tier) : undefined;
        },
        key: callerKey,
      },
    ],
  });
}

export const demoHandler: RequestHandler = (req, res) => {
  const auth = authOf(res);
  res.json({ ok: true, caller: callerKey(req, res), tier: auth?.tier ?? 'free' });
};
