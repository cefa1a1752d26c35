// The express 5 app every service starts from. Order matters and is the point of this file:
//   observe (request id, access log, histogram) -> health + metrics (public, no body parsing)
//   -> method gate (405 + Allow) -> JSON-only gate (415) -> JSON body parser with a size limit
//   -> the service's routes -> 404 -> problem+json errors.
// express 5 forwards rejected promises from async handlers to the error handler, so handlers
// just throw (HttpError for client errors; anything else becomes a generic 500).
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { HTTP_APP_DEFAULTS } from '../defaults.ts';
import type { Health } from '../health/health.ts';
import type { Logger } from '../logger.ts';
import type { Registry } from '../metrics.ts';
import { observeRequests, requestLogger } from './observe.ts';
import { HttpError, sendProblem, toProblem, writeProblem } from './problem.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

export type HttpAppOptions = {
  logger: Logger;
  registry: Registry;
  health?: Health;
  /** express/body-parser size, e.g. '100kb'. @default '100kb' — HTTP_APP_DEFAULTS.bodyLimit */
  bodyLimit?: string;
  /**
   * express `trust proxy`: set it (e.g. 1 hop) behind HAProxy so `req.ip` is the client's address
   * from X-Forwarded-For rather than the proxy's.
   * @default false — HTTP_APP_DEFAULTS.trustProxy: trust no header
   */
  trustProxy?: boolean | number | string;
  /** Mounts the service's routers. Runs after body parsing and before the 404 handler. */
  routes?: (app: Express) => void;
};

export function createHttpApp({
  logger,
  registry,
  health,
  bodyLimit = HTTP_APP_DEFAULTS.bodyLimit,
  trustProxy = HTTP_APP_DEFAULTS.trustProxy,
  routes,
}: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', trustProxy);
  app.use(observeRequests({ logger, registry }));

  if (health) {
    app.get('/health/live', health.liveHandler);
    app.get('/health/ready', health.readyHandler);
  }
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.use(methodNotAllowed(app));
  app.use(requireJsonBody);
  app.use(express.json({ limit: bodyLimit, type: JSON_TYPES }));
  routes?.(app);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

// Every API here speaks JSON. Without this gate a body sent as text/plain (or with no
// Content-Type) would be skipped by the parser, and the handler would run on `req.body ===
// undefined`: at best a confusing validation error, at worst an optional body silently ignored.
// `req.is` answers null when the request has no body, so GETs and empty POSTs pass; it counts
// `Content-Length: 0` as a body, so that case is let through too (there is nothing to parse).
const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (req.headers['content-length'] !== '0' && req.is(JSON_TYPES) === false) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be sent as application/json.');
  }
  next();
};

// A path that exists, asked with a method none of its routes takes (TRACE, PATCH…), is a 405 with
// `Allow` (RFC 9110 §15.5.6), not a 404, and it is decided before the body gates: a body-less
// TRACE is a method problem, not a media-type one (415). The routes are read at request time, so
// this runs ahead of routes mounted later. OPTIONS is left to express, which answers it with Allow.
function methodNotAllowed(app: Express): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const allowed = new Set<string>();
    for (const layer of app.router.stack as unknown as {
      route?: { methods: Record<string, boolean> };
      match(path: string): boolean;
    }[]) {
      if (!layer.route || !layer.match(req.path)) continue;
      if (layer.route.methods._all) return next();
      for (const method of Object.keys(layer.route.methods)) allowed.add(method.toUpperCase());
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    res.setHeader('Allow', [...allowed].join(', '));
    throw new HttpError(
      405,
      'METHOD_NOT_ALLOWED',
      `${req.method} is not allowed here; allowed: ${[...allowed].join(', ')}.`,
    );
  };
}

const notFound: RequestHandler = (_req, res) => {
  sendProblem(res, { status: 404, code: 'NOT_FOUND', detail: 'No route matches this method and path.' });
};

const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  const body = toProblem(error);
  const log = requestLogger(res);
  // The full error (with stack) goes to the log only; the client gets the sanitised problem.
  if (body.status >= 500) log.error({ err: error }, 'request failed');
  else log.debug({ code: body.code }, 'request rejected');
  if (res.headersSent) {
    // Too late for a problem body: the status line and part of the body are already out. Cut the
    // connection so the client sees a truncated response rather than one that looks complete.
    // (Handing the error to express's default handler would do the same, but it also prints the
    // raw stack to stderr, outside the JSON log.)
    res.destroy();
    return;
  }
  writeProblem(res, body);
};
