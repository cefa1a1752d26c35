// GET|HEAD /{code}: the product's hot path. Written against node's own request and response
// (express's extend them), so the same handler serves both the express route and the fast path
// that skips express's router (fast-path.ts). Per request: validate the code's shape (other
// paths never reach the cache: no junk keys), one cache lookup, the decision (redirect.ts in
// domain), the response, one click added to the click window (GET only: HEAD comes from link
// checkers and previews, not visitors), and proportionate observability.
//
// A code the process holds in memory (the hot ones, nearly every redirect under load) is answered
// synchronously, start to finish in one call: no promise, no microtask, no 'finish' listener. Each
// of those is a fraction of a microsecond, and together they were a visible share of a redirect
// that is measured against a bare 302 (README, "What a redirect costs"). Only a code that must
// come from Redis or Postgres takes the async path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NOT_IN_MEMORY, type NotInMemory } from '@lab/cache';
import {
  inServerSpan,
  type Logger,
  PROBLEM_CONTENT_TYPE,
  problem,
  resolveRequestId,
  type ServerSpan,
} from '@lab/service-kit';
import type { RawClick } from '../adapters/click-publisher.ts';
import { boundedHeader } from '../domain/click-fields.ts';
import { CODE_PATTERN, RESERVED_ALIASES } from '../domain/link-input.ts';
import { type CachedLink, decideRedirect } from '../domain/redirect.ts';
import type { RedirectObserver } from './redirect-observability.ts';
import type { RedirectTracer } from './redirect-tracing.ts';
import { visitorAddress } from './visitor-address.ts';

export type RedirectDeps = {
  /** The link if this process holds it (undefined: known not to exist), else NOT_IN_MEMORY. */
  lookupInMemory: (code: string) => CachedLink | undefined | NotInMemory;
  /** The link from Redis or Postgres (filling memory); undefined when there is none. */
  lookup: (code: string) => Promise<CachedLink | undefined>;
  recordClick: (click: RawClick) => void;
  observe: RedirectObserver;
  /** The redirect's server span, if this one is traced (redirect-tracing.ts). */
  trace: RedirectTracer;
  logger: Logger;
  /** express's 'trust proxy' setting, so the visitor's address is read the same way. */
  trustProxy: string;
};

/** Answers the request; returns a promise only when the link had to be looked up outside memory. */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** The code of a `/{code}` path (query ignored), or undefined when the path cannot be one. */
export function codeOfPath(url: string | undefined): string | undefined {
  if (!url?.startsWith('/')) return undefined;
  const end = url.indexOf('?');
  const code = end < 0 ? url.slice(1) : url.slice(1, end);
  // Reserved words are the service's own paths (/metrics): never a code, never a lookup.
  return CODE_PATTERN.test(code) && !RESERVED_ALIASES.has(code.toLowerCase()) ? code : undefined;
}

export function redirectHandler(deps: RedirectDeps): RawHandler {
  const addressOf = visitorAddress(deps.trustProxy);

  /** The answer for `link` (or its absence), and the click of a GET that redirected. */
  const respond = (
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    code: string | undefined,
    link: CachedLink | undefined,
  ) => {
    const decision = decideRedirect(link, Date.now());
    if (decision.kind === 'not_found') {
      sendProblem(res, req, requestId, 404, 'LINK_NOT_FOUND', 'No link has this code.');
      return;
    }
    if (decision.kind === 'gone') {
      const deleted = decision.reason === 'deleted';
      const detail = deleted ? 'This link was deleted.' : 'This link has expired.';
      sendProblem(res, req, requestId, 410, deleted ? 'LINK_DELETED' : 'LINK_EXPIRED', detail);
      return;
    }
    // All headers in one writeHead with a flat array: node writes them straight into the head,
    // where four setHeader calls each validate, lower-case and store a header first (1.3 µs
    // more a redirect, measured; README, "What a redirect costs").
    res.writeHead(decision.status, [
      'X-Request-Id',
      requestId,
      'Location',
      decision.location,
      // 301 is cached by browsers anyway; bound it so a changed mind is not permanent. 302 is not
      // cached by default, which is what keeps every click visible.
      'Cache-Control',
      decision.status === 301 ? 'public, max-age=86400' : 'private, no-cache',
      'Content-Length',
      '0',
    ]);
    res.end();
    if (req.method === 'GET' && code !== undefined) {
      deps.recordClick({
        code,
        at: Date.now(),
        address: addressOf(req),
        userAgent: boundedHeader(req.headers['user-agent']),
        referrer: boundedHeader(req.headers.referer),
      });
    }
  };

  /** Outside memory: Redis, then Postgres; a lookup that fails is the one expected 503. */
  const respondLater = async (req: IncomingMessage, res: ServerResponse, requestId: string, code: string) => {
    let link: CachedLink | undefined;
    try {
      link = await deps.lookup(code);
    } catch (error) {
      // Nothing cached and Postgres unreachable.
      deps.logger.error({ err: error, requestId }, 'link lookup failed');
      sendProblem(res, req, requestId, 503, 'LINK_LOOKUP_FAILED', 'The link could not be looked up; retry.');
      return;
    }
    respond(req, res, requestId, code, link);
  };

  // The fast path has no express error handler behind it: an unexpected throw must become a 500
  // problem here, never an unhandled rejection that would end the process.
  const failed = (req: IncomingMessage, res: ServerResponse, requestId: string, error: unknown) => {
    deps.logger.error({ err: error, requestId }, 'redirect failed');
    if (res.headersSent) res.destroy();
    else sendProblem(res, req, requestId, 500, 'INTERNAL', 'An unexpected error occurred.');
  };

  // Observed once the response is written (not on 'finish': one listener fewer per request; the
  // 302 is handed to the socket inside end()). A traced redirect's log line joins its trace.
  const observe = (
    req: IncomingMessage,
    res: ServerResponse,
    started: bigint,
    requestId: string,
    span: ServerSpan | undefined,
  ) => {
    if (!span) return deps.observe(req, res, started, requestId);
    inServerSpan(span, () => deps.observe(req, res, started, requestId));
    span.end(res.statusCode);
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    // Every answer carries X-Request-Id: the redirect's writeHead and sendProblem set it.
    const requestId = resolveRequestId(req.headers['x-request-id']);
    const span = deps.trace(req);
    const code = codeOfPath(req.url);
    let link: CachedLink | undefined | NotInMemory;
    try {
      link = code === undefined ? undefined : deps.lookupInMemory(code);
      if (link !== NOT_IN_MEMORY) {
        const known = link;
        // The click reads the active span context: answer inside the span when there is one.
        if (span) inServerSpan(span, () => respond(req, res, requestId, code, known));
        else respond(req, res, requestId, code, known);
      }
    } catch (error) {
      failed(req, res, requestId, error);
    }
    // Answered (or failed) above. `code === undefined` only narrows the type: a path that is not a
    // code never reaches lookupInMemory, so its `link` is undefined, not NOT_IN_MEMORY.
    if (link !== NOT_IN_MEMORY || code === undefined) {
      observe(req, res, started, requestId, span);
      return;
    }
    const later = () => respondLater(req, res, requestId, code);
    return (span ? inServerSpan(span, later) : later())
      .catch((error) => failed(req, res, requestId, error))
      .finally(() => observe(req, res, started, requestId, span));
  };
}

function sendProblem(
  res: ServerResponse,
  req: IncomingMessage,
  requestId: string,
  status: number,
  code: string,
  detail: string,
): void {
  const body = JSON.stringify({
    ...problem({ status, code, detail }),
    instance: (req.url ?? '').split('?')[0],
    requestId,
  });
  res.writeHead(status, [
    'X-Request-Id',
    requestId,
    'Content-Type',
    PROBLEM_CONTENT_TYPE,
    'Content-Length',
    String(Buffer.byteLength(body)),
  ]);
  res.end(req.method === 'HEAD' ? undefined : body);
}
