// W3C trace context across Kafka: the producer writes `traceparent` (and `tracestate`) into the
// message headers, the consumer reads them back and continues the same trace. Kafka headers
// arrive as Buffers (or arrays of them), so the getter normalises them to strings.
import { type Context, context, propagation, ROOT_CONTEXT, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/** Adds the active context's trace headers to `headers` (mutated and returned). */
export function injectTraceHeaders<
  H extends Record<string, string | Buffer | (string | Buffer)[] | undefined>,
>(headers: H = {} as H, from: Context = context.active()): H {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  Object.assign(headers, carrier);
  return headers;
}

const kafkaHeaderGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/** The context carried by a consumed message's headers; use with `context.with(ctx, fn)`. */
export function extractTraceContext(headers: IHeaders | undefined, base: Context = ROOT_CONTEXT): Context {
  return propagation.extract(base, headers ?? {}, kafkaHeaderGetter);
}
