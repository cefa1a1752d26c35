// Trace propagation for outgoing requests: writes the active context (W3C `traceparent`, plus
// whatever the registered propagator adds) into the request headers. With no OpenTelemetry SDK
// registered, @opentelemetry/api's propagator is a no-op, so this costs nothing and sends nothing.
import { context, propagation, type TextMapSetter } from '@opentelemetry/api';

const headerSetter: TextMapSetter<Headers> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

export function injectTraceContext(headers: Headers): void {
  propagation.inject(context.active(), headers, headerSetter);
}
