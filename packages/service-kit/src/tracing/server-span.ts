// Server spans, opened by the kit itself rather than by @opentelemetry/instrumentation-http. That
// instrumentation is general-purpose: per request it parses the URL into a dozen semantic
// attributes, rebinds the request's and response's event emitters to the context and builds the
// span before any sampler runs, even for a request it was told to ignore. A CPU profile of the URL
// shortener's redirect put that at ~15 µs per request: half of what the whole redirect costs
// without it, and sampling saved none of it. So the preload turns its incoming side off
// (tracing.ts) and requests get their SERVER span here: observeRequests opens one per API request,
// and a hot path (the redirect) opens its own, only for the requests it chose to trace.
//
// What a span carries: the caller's W3C trace context (continued when present), the method and
// route template as its name (never the raw path: bounded cardinality), and the status code. The
// SDK's sampler still decides; without the SDK (no preload) the API's no-op tracer makes this
// cost next to nothing. Only @opentelemetry/api is imported, so nothing here loads the SDK.
import type { IncomingMessage } from 'node:http';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

export type ServerSpan = {
  /** The context to run the request's work in: the span is active there (logs, child spans). */
  context: Context;
  /**
   * Ends the span with the response's status (5xx marks it as an error) and, when it was not
   * known at the start, the matched route template, which then names the span.
   */
  end(statusCode: number, route?: string): void;
};

export type ServerSpanOptions = {
  /**
   * `trace.getTracer(scope)`, looked up once by the caller rather than per request. The API's
   * tracer delegates to the SDK lazily, so one taken before the preload registered it still works.
   */
  tracer: Tracer;
  /** The route template (`/:code`) when known before routing; else given to `end`. */
  route?: string;
};

/** A SERVER span for `req`, continuing the caller's `traceparent` when there is one. */
export function startServerSpan(req: IncomingMessage, options: ServerSpanOptions): ServerSpan {
  const method = req.method ?? 'GET';
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const attributes: Record<string, string> = { 'http.request.method': method, 'url.scheme': 'http' };
  if (options.route) attributes['http.route'] = options.route;
  const name = options.route ? `${method} ${options.route}` : method;
  const span: Span = options.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return {
    context: trace.setSpan(parent, span),
    end(statusCode, route) {
      if (route && !options.route) {
        span.updateName(`${method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', statusCode);
      if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/** Runs `work` with `span`'s context active (so child spans and log lines join its trace). */
export function inServerSpan<T>(span: ServerSpan, work: () => T): T {
  return context.with(span.context, work);
}
