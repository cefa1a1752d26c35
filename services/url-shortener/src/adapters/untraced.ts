// Runs work with tracing suppressed. The click publisher sends its batches from a timer, outside
// any request, and the kafkajs instrumentation would otherwise open one root span per click (500
// per batch) and write a traceparent into each message: the profile of a loaded service showed
// that per-click tracing cost more CPU than the send itself, for spans nobody looks at. A click's
// link to its redirect is not worth that; its count is what matters.
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}
