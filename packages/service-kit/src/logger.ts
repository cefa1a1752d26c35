// Structured JSON logs (pino) to stdout. The mixin stamps every line with the active span's
// trace_id/span_id, so a log line can be joined to its trace without passing ids around.
import { trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export type LoggerOptions = {
  /** `service` field on every line. */
  name: string;
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
};

export function createLogger({ name, level = 'info', destination }: LoggerOptions): Logger {
  const options = {
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Keep `level` readable ("info") rather than pino's numbers; nothing here parses numbers.
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: traceFields,
    // Defence in depth: a header dump must never leak a credential into the logs.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
  };
  return destination ? pino(options, destination) : pino(options);
}

/** `{ trace_id, span_id }` of the active span, or nothing when there is none. */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!trace.isSpanContextValid({ traceId, spanId, traceFlags })) return {};
  return { trace_id: traceId, span_id: spanId };
}
