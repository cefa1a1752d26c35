// Runs work with tracing suppressed. The click publisher sends its batches from a timer, outside
// any request, and the kafkajs instrumentation would otherwise open a root span per message and
// write its traceparent into the message's headers. When clicks were one message each, the profile
// of a loaded service showed that cost more CPU than the send itself; with one message per batch
// it is small, but still a span nobody looks at. Each click already carries its own redirect's
// traceparent inside the batch, which is the trace that matters. (The outbox relay suppresses its
// send the same way, inline, for the same reason: @lab/outbox cannot depend on the kit.)
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}
