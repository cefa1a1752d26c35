// The redirect fast path: GET and HEAD requests whose path is a possible code go straight to the
// redirect handler, before express builds its request (prototype swap, router walk over the
// service-kit middleware stack, the JSON gate, route matching). Everything else — the API,
// health, metrics, 404s of other shapes — goes through express unchanged.
//
// It hooks `app.handle`, the one method express's app function calls per request, so the
// composition root needs no access to the HTTP server. Switchable (REDIRECT_FAST_PATH) because
// it is a performance trick justified only by a measurement: bench/url-shortener.bench.ts runs
// the service both ways (README, "What a redirect costs").
import type { IncomingMessage } from 'node:http';
import type { Express } from 'express';
import { codeOfPath, type RawHandler } from './redirect.ts';

type Handle = (req: unknown, res: unknown, next?: unknown) => void;

/** A request the fast path answers: GET or HEAD of a path that can be a code. */
export function isFastRedirect(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && codeOfPath(req.url) !== undefined;
}

export function mountFastRedirect(app: Express, handler: RawHandler): void {
  const target = app as unknown as { handle: Handle };
  const viaExpress = target.handle.bind(app);
  target.handle = (req, res, next) => {
    const request = req as Parameters<RawHandler>[0];
    if (isFastRedirect(request)) {
      void handler(request, res as Parameters<RawHandler>[1]);
      return;
    }
    viaExpress(req, res, next);
  };
}
