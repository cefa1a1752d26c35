// Per-request plumbing that runs first: request id, route-template tracking, one access-log
// line and one histogram sample per request (RED: rate and errors come from the same
// histogram's _count by status_code, duration from its buckets).
import { trace as otel } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';
import { type Logger, traceFields } from '../logger.ts';
import { histogram, type Registry } from '../metrics.ts';
import { inServerSpan, startServerSpan } from '../tracing/server-span.ts';
import { resolveRequestId } from './request-id.ts';
import { routeTemplateOf, trackRouteTemplate } from './route-template.ts';

const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

// Seconds; dense below 100 ms where healthy API calls land, sparse up to 10 s for timeouts.
const DURATION_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The request-scoped logger (a child carrying `requestId`), set by `observeRequests`. */
export function requestLogger(res: Response): Logger {
  return res.locals.log as Logger;
}

export function observeRequests({
  logger,
  registry,
}: {
  logger: Logger;
  registry: Registry;
}): RequestHandler {
  const duration = histogram(registry, {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
  });
  const tracer = otel.getTracer('@lab/service-kit');
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = resolveRequestId(req.headers['x-request-id']);
    res.locals.requestId = requestId;
    res.locals.log = logger.child({ requestId });
    res.setHeader('X-Request-Id', requestId);
    trackRouteTemplate(req);
    // The request's SERVER span (server-span.ts); probes and scrapes arrive every few seconds from
    // every poller and get none, or they would drown the real traffic.
    const span = QUIET_ROUTES.has(req.path) ? undefined : startServerSpan(req, { tracer });
    // Captured now: 'finish' may fire outside the request's trace context.
    const trace = span ? inServerSpan(span, traceFields) : {};

    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplateOf(req);
      // A client that hangs up before the response is done gets 499 (nginx's convention), so
      // aborted work is visible and not counted as a success.
      const status = res.writableFinished ? res.statusCode : 499;
      const method = KNOWN_METHODS.has(req.method) ? req.method : 'OTHER';
      duration.observe({ method, route, status_code: String(status) }, seconds);
      span?.end(status, route);
      // Probes and scrapes arrive every few seconds from every poller; at info they would bury
      // the real traffic, so successful ones log at debug.
      const routine = status < 400 && QUIET_ROUTES.has(route);
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : routine ? 'debug' : 'info';
      (res.locals.log as Logger)[level](
        {
          ...trace,
          method: req.method,
          route,
          path: req.originalUrl.split('?')[0],
          status_code: status,
          duration_ms: Math.round(seconds * 1e4) / 10,
        },
        'request completed',
      );
    };
    res.once('finish', record);
    res.once('close', record);
    // The rest of the request (middleware, handler, their awaits) runs in the span's context.
    if (span) inServerSpan(span, next);
    else next();
  };
}
