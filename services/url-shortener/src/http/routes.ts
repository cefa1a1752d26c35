// Every route of the service in one table: main.ts mounts it, and the OpenAPI test compares it
// with openapi.yaml, so the document cannot silently drift from the code. The redirect route is
// last: `/:code` matches any single segment, so the API's own paths must be tried first.
import type { RateLimiter } from '@lab/ratelimit';
import { combineKeys, rateLimitMiddleware, tenantKey, tieredRule, userKey } from '@lab/ratelimit';
import type { Express, RequestHandler } from 'express';
import type { UniqueVisitors } from '../adapters/unique-visitors.ts';
import { type CreateDeps, createLinkHandler } from './create-link.ts';
import { deleteLinkHandler, getLinkHandler, listLinksHandler, type ManageDeps } from './manage-links.ts';
import type { RawHandler } from './redirect.ts';
import { statsHandler } from './stats.ts';

export type HttpDeps = CreateDeps &
  ManageDeps & {
    limiter: RateLimiter;
    visitors: UniqueVisitors;
    redirect: RawHandler;
    /** Bearer-JWT middleware (service-kit). */
    auth: RequestHandler;
    /** Idempotency-Key middleware for creating POSTs (service-kit). */
    idempotency: () => RequestHandler;
  };

export type Route = { method: 'get' | 'post' | 'delete'; path: string; handlers: RequestHandler[] };

/** Creates per user, by the token's tier (free 100/min, pro 1,000/min, enterprise unlimited). */
function createRateLimit(limiter: RateLimiter): RequestHandler {
  return rateLimitMiddleware({
    limiter,
    levels: [
      {
        rule: tieredRule({ name: 'url-create', algorithm: 'sliding-window-counter' }),
        key: combineKeys(tenantKey(), userKey()),
      },
    ],
  });
}

export function routes(deps: HttpDeps): Route[] {
  const { auth } = deps;
  const redirect: RequestHandler = (req, res) => deps.redirect(req, res);
  return [
    {
      method: 'post',
      path: '/v1/urls',
      handlers: [auth, createRateLimit(deps.limiter), deps.idempotency(), createLinkHandler(deps)],
    },
    { method: 'get', path: '/v1/urls', handlers: [auth, listLinksHandler(deps)] },
    { method: 'get', path: '/v1/urls/:code', handlers: [getLinkHandler(deps)] },
    { method: 'delete', path: '/v1/urls/:code', handlers: [auth, deleteLinkHandler(deps)] },
    { method: 'get', path: '/v1/urls/:code/stats', handlers: [auth, statsHandler(deps)] },
    { method: 'get', path: '/:code', handlers: [redirect] },
  ];
}

export function mountRoutes(app: Express, table: readonly Route[]): void {
  for (const route of table) app[route.method](route.path, ...route.handlers);
}
