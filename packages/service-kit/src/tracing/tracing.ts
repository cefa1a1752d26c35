// OpenTelemetry tracing for a service process. Instrumentation patches modules as they load,
// so this must run before express/pg/ioredis/kafkajs are imported: start services with
// `node --import @lab/service-kit/tracing src/main.ts` (see register.ts), not from main.ts.
//
// Spans are always recorded, even with no collector configured, so that logs carry trace_id /
// span_id and trace context still crosses HTTP and Kafka; only the OTLP export is conditional
// on OTEL_EXPORTER_OTLP_ENDPOINT (the collector's HTTP base URL, e.g. http://localhost:4318).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { activeTracing, setActiveTracing, type Tracing } from './active.ts';

export type { Tracing };

export type TracingOptions = {
  serviceName?: string;
  /** OTLP/HTTP base URL; default OTEL_EXPORTER_OTLP_ENDPOINT. Unset = record spans, export nothing. */
  endpoint?: string;
};

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];

// A processor that drops finished spans: the tracer provider still creates real, sampled spans
// (ids for logs and propagation) without buffering them for an exporter that does not exist.
const discardSpans: SpanProcessor = {
  onStart: () => {},
  onEnd: () => {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

export function startTracing(options: TracingOptions = {}): Tracing {
  const running = activeTracing();
  if (running) return running;
  const endpoint = options.endpoint ?? nonEmpty(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const serviceName =
    options.serviceName ?? nonEmpty(process.env.OTEL_SERVICE_NAME) ?? nonEmpty(process.env.SERVICE_NAME);
  const sdk = new NodeSDK({
    ...(serviceName ? { serviceName } : {}),
    ...(endpoint
      ? { traceExporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }) }
      : { spanProcessors: [discardSpans] }),
    // Metrics go through prom-client and logs through pino; OTel exports traces only.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Outgoing calls only: server spans are the kit's own (server-span.ts says why), opened by
      // observeRequests for API requests and by a service's hot path for the requests it samples.
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      new ExpressInstrumentation(),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
      new KafkaJsInstrumentation(),
    ],
  });
  sdk.start();
  return setActiveTracing({ exporting: Boolean(endpoint), shutdown: () => sdk.shutdown() });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
