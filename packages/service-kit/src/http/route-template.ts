// The matched route TEMPLATE of a request (`/v1/items/:id`), for metric labels and logs.
// Express only exposes `req.route` (relative to its router) and `req.baseUrl`, and the router
// resets `baseUrl` when an error unwinds past it, so reading both at `finish` can give a wrong
// template. Instead we observe the moment the router assigns `req.route`: at that instant
// `baseUrl` is the mount path of the router that matched, and we remember the joined template.
// Limitation (documented): a router mounted on a parameterised path (`/t/:tenant`) reports
// the concrete mount segment, so mount routers on static prefixes.
import type { Request } from 'express';

const TEMPLATE = Symbol('routeTemplate');
type Tracked = Request & { [TEMPLATE]?: string };

/** Installs the observer; call once per request before any router runs. */
export function trackRouteTemplate(req: Request): void {
  let route: unknown = req.route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (value && typeof value.path === 'string') {
        (req as Tracked)[TEMPLATE] = joinPaths(req.baseUrl, value.path);
      }
    },
  });
}

/** The template recorded for this request, or `unmatched` (404s, or middleware-only responses). */
export function routeTemplateOf(req: Request): string {
  return (req as Tracked)[TEMPLATE] ?? 'unmatched';
}

function joinPaths(base: string, path: string): string {
  if (!base) return path;
  if (path === '/') return base;
  return `${base}${path}`;
}
