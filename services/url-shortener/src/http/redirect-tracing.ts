// Which redirects are traced, decided before any span is built. At thousands of redirects a second a
// span per redirect is the most expensive thing a redirect does (README, "What a redirect costs"),
// and a trace of the ten-thousandth identical redirect teaches nobody anything. The rule is the
// shape AWS X-Ray uses by default, a reservoir and then a ratio:
//   - a redirect whose caller sent a `traceparent` is always offered to the SDK: the caller already
//     decided (the SDK's parent-based sampler honours its sampled flag), and the trace must go on
//     to the click, the milestone and the email;
//   - of the others, the first `perSecond` each second are traced (so a person clicking links in
//     the lab sees every one of them in the trace viewer),
//   - then one in 1/`ratio` (so a load test still leaves traces of its shape).
// A redirect that is not traced has no trace id: its sampled log line has none, and its click
// starts a fresh trace in the aggregator.
import type { IncomingMessage } from 'node:http';
import { type ServerSpan, startServerSpan } from '@lab/service-kit';
import { trace } from '@opentelemetry/api';
import { REDIRECT_ROUTE } from './redirect-observability.ts';

export type RedirectTracingOptions = {
  perSecond: number;
  ratio: number;
  /** Injected in tests; default Date.now. */
  now?: () => number;
  /** Injected in tests; default Math.random. */
  random?: () => number;
};

/** Returns the span of a redirect that is traced, or undefined for one that is not. */
export type RedirectTracer = (req: IncomingMessage) => ServerSpan | undefined;

export function redirectTracer(options: RedirectTracingOptions): RedirectTracer {
  const sample = reservoirThenRatio(options);
  const span = { tracer: trace.getTracer('url-shortener'), route: REDIRECT_ROUTE };
  return (req) =>
    req.headers.traceparent !== undefined || sample() ? startServerSpan(req, span) : undefined;
}

/** The head-sampling decision alone: true for the first `perSecond` calls of each second, then by ratio. */
export function reservoirThenRatio(options: RedirectTracingOptions): () => boolean {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  let second = -1;
  let taken = 0;
  return () => {
    const current = Math.floor(now() / 1000);
    if (current !== second) {
      second = current;
      taken = 0;
    }
    if (taken < options.perSecond) {
      taken += 1;
      return true;
    }
    return random() < options.ratio;
  };
}

/** For the express path: the HTTP instrumentation already made the span. */
export const notTracedHere: RedirectTracer = () => undefined;
