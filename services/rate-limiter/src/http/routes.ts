// Every route of the service in one table: main.ts mounts it, and the OpenAPI test compares it
// with openapi.yaml, so the document cannot silently drift from the code. Who may call what:
// reads are public; a check needs a token (check.ts decides what that token may ask); writes to
// rules, tiers and tenants are configuration and need the `admin` scope, checked before the body
// is even read (403 problem+json).
import type { RateLimiter } from '@lab/ratelimit';
import { requireScope } from '@lab/service-kit';
import type { Express, RequestHandler } from 'express';
import type { PolicyStore } from '../adapters/policy-store.ts';
import { checkHandler } from './check.ts';
import { demoHandler, demoProtection, optionalAuth } from './demo.ts';
import { createRule, deleteRule, getRule, listRules, replaceRule } from './rules.ts';
import { getTenant, listTiers, putTenant, putTier } from './tenants.ts';

export type HttpDeps = {
  limiter: RateLimiter;
  store: PolicyStore;
  /** Bearer-JWT middleware (service-kit). */
  auth: RequestHandler;
  /** Idempotency-Key middleware for creating POSTs (service-kit). */
  idempotency: () => RequestHandler;
  jwtSecret: string;
  demoGlobalPerSecond: number;
};

export type Route = { method: 'get' | 'post' | 'put' | 'delete'; path: string; handlers: RequestHandler[] };

/** Configuration writes: rules, tiers, tenants. */
export const ADMIN_SCOPE = 'admin';

export function routes(deps: HttpDeps): Route[] {
  const { store, auth } = deps;
  const admin = [auth, requireScope(ADMIN_SCOPE)];
  return [
    { method: 'post', path: '/v1/check', handlers: [auth, checkHandler(deps)] },
    { method: 'get', path: '/v1/rules', handlers: [listRules(store)] },
    { method: 'post', path: '/v1/rules', handlers: [...admin, deps.idempotency(), createRule(store)] },
    { method: 'get', path: '/v1/rules/:name', handlers: [getRule(store)] },
    { method: 'put', path: '/v1/rules/:name', handlers: [...admin, replaceRule(store)] },
    { method: 'delete', path: '/v1/rules/:name', handlers: [...admin, deleteRule(store)] },
    { method: 'get', path: '/v1/tiers', handlers: [listTiers(store)] },
    { method: 'put', path: '/v1/tiers/:name', handlers: [...admin, putTier(store)] },
    { method: 'get', path: '/v1/tenants/:id', handlers: [getTenant(store)] },
    { method: 'put', path: '/v1/tenants/:id', handlers: [...admin, putTenant(store)] },
    {
      method: 'get',
      path: '/v1/demo/protected',
      handlers: [
        optionalAuth(deps.jwtSecret),
        demoProtection({ limiter: deps.limiter, store, globalPerSecond: deps.demoGlobalPerSecond }),
        demoHandler,
      ],
    },
  ];
}

export function mountRoutes(app: Express, table: readonly Route[]): void {
  for (const route of table) app[route.method](route.path, ...route.handlers);
}
