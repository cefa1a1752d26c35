// What each redirect pays for being observed, sized to its value (costs measured in the README,
// "What a redirect costs"). A redirect is the highest-volume, least interesting request there is:
//   metrics  every request: one pre-bound histogram child per status, the same
//            http_request_duration_seconds{route="/:code"} series service-kit writes for other
//            routes, so RED dashboards see redirects like any route (~0.2 µs).
//   logs     a sample: every 5xx, and one in REDIRECT_LOG_SAMPLE of the rest (default 100). A
//            full access log line costs several µs and at 10k redirects/s writes GBs a day that
//            nobody reads; the sample still shows what traffic looks like. 0 = none but 5xx.
//   traces   the HTTP server span from the tracing preload (sampled per the OTel sampler
//            setting); no express layer spans on the fast path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { histogram, type Logger, type Registry } from '@lab/service-kit';

// The same buckets as service-kit's observeRequests: one metric, one histogram shape.
const DURATION_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const REDIRECT_ROUTE = '/:code';

export type RedirectObserver = (
  req: IncomingMessage,
  res: ServerResponse,
  startedNs: bigint,
  requestId: string,
) => void;

export function redirectObserver(registry: Registry, logger: Logger, sampleEvery: number): RedirectObserver {
  const duration = histogram(registry, {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
  });
  // Pre-bound children by method, then status (a number key: no string built per request).
  type Child = ReturnType<typeof duration.labels>;
  const children = { GET: new Map<number, Child>(), HEAD: new Map<number, Child>() };
  const child = (method: 'GET' | 'HEAD', status: number) => {
    let found = children[method].get(status);
    if (!found) {
      found = duration.labels(method, REDIRECT_ROUTE, String(status));
      children[method].set(status, found);
    }
    return found;
  };
  let seen = 0;
  return (req, res, startedNs, requestId) => {
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    const status = res.statusCode;
    child(req.method === 'HEAD' ? 'HEAD' : 'GET', status).observe(seconds);
    seen += 1;
    if (status < 500 && (sampleEvery === 0 || seen % sampleEvery !== 0)) return;
    logger[status >= 500 ? 'error' : 'info'](
      {
        requestId,
        method: req.method,
        route: REDIRECT_ROUTE,
        path: (req.url ?? '').split('?')[0],
        status_code: status,
        duration_ms: Math.round(seconds * 1e4) / 10,
        ...(status < 500 ? { sampled: sampleEvery } : {}),
      },
      'redirect served',
    );
  };
}
