// Trace context across the outbox: the writer's context is stored in the row's headers, the relay
// copies the headers onto the Kafka message, and the consumer runs its handler in that context, so
// one trace spans request -> outbox row -> Kafka -> handler even though the relay runs much later.
//
// The registered OpenTelemetry propagator is used when there is one (it also carries tracestate and
// baggage). Without one (a bare process, a test) the W3C `traceparent` is written and read here
// directly, so the trace still survives.
import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  trace,
} from '@opentelemetry/api';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  const match = value ? TRACEPARENT.exec(value.trim()) : null;
  if (!match || match[1] === 'ff') return undefined;
  const spanContext: SpanContext = {
    traceId: match[2] as string,
    spanId: match[3] as string,
    traceFlags: Number.parseInt(match[4] as string, 16),
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** Headers carrying the trace context of `ctx` (the active context by default). */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const spanContext = trace.getSpanContext(ctx);
  if (!carrier.traceparent && spanContext && isSpanContextValid(spanContext)) {
    carrier.traceparent = formatTraceparent(spanContext);
  }
  return carrier;
}

/** The context described by message headers, to run a handler in. */
export function contextFromHeaders(headers: Record<string, string>): Context {
  const extracted = propagation.extract(ROOT_CONTEXT, headers);
  if (trace.getSpanContext(extracted)) return extracted;
  const parent = parseTraceparent(headers.traceparent);
  return parent ? trace.setSpanContext(extracted, parent) : extracted;
}
