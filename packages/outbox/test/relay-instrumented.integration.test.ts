// The relay under the KafkaJS instrumentation, as a service started with tracing runs it: the
// instrumentation injects a producer span's traceparent into every message it sends, under the
// sender's active context. The relay runs from a timer, so that context is a fresh root trace,
// and without the relay's suppression it replaced each row's stored traceparent: every
// request -> outbox -> consumer trace was cut at the relay. Here the handler must still run in
// the writer's trace.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { waitUntil } from '@lab/testkit';
import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { consume, createOutboxRelay, enqueue, type OutboxRelay, type RunningConsumer } from '../src/index.ts';
import { createOutboxFixture, inTransaction, type OutboxFixture } from './support.ts';

// What `--import @lab/service-kit/tracing` sets up: context manager, W3C propagator, a recording
// tracer provider, and the KafkaJS instrumentation patched onto the kafkajs module every Kafka
// client here comes from (applied by hand: the module is already loaded).
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const provider = new TracerProvider();
trace.setGlobalTracerProvider(provider);
const instrumentation = new KafkaJsInstrumentation({ enabled: false });
instrumentation.setTracerProvider(provider);
const kafkajs = createRequire(import.meta.resolve('@lab/testkit'))('kafkajs');
for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(kafkajs);

let fx: OutboxFixture;
let relay: OutboxRelay;
let consumer: RunningConsumer | undefined;

before(async () => {
  fx = await createOutboxFixture('outbox_instrumented');
  relay = createOutboxRelay({ pool: fx.db.pool, kafka: fx.kafka, registry: fx.registry, pollIntervalMs: 50 });
  relay.start();
});

after(async () => {
  await consumer?.stop();
  await relay.stop();
  await fx.cleanup();
});

test('with the KafkaJS instrumentation active, the consumer still runs in the writer’s trace', async () => {
  assert.ok(
    (fx.kafka.producer as { __wrapped?: boolean }).__wrapped,
    'the instrumentation wraps the producer factory (else this test proves nothing)',
  );
  const topic = await fx.testKafka.createTopic('account.instrumented', 1);
  const writer = {
    traceId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
    spanId: '0f1e2d3c4b5a6978',
    traceFlags: TraceFlags.SAMPLED,
  };
  await context.with(trace.setSpanContext(ROOT_CONTEXT, writer), () =>
    inTransaction(fx.db, (tx) =>
      enqueue(tx, {
        topic,
        aggregateType: 'account',
        aggregateId: 'acc-1',
        eventType: 'account.credited',
        payload: { n: 1 },
      }),
    ),
  );

  const seen: { traceparent?: string; traceId?: string }[] = [];
  consumer = await consume({
    kafka: fx.kafka,
    pool: fx.db.pool,
    registry: fx.registry,
    topic,
    groupId: 'instrumented',
    handler: async (event) => {
      seen.push({
        ...(event.headers.traceparent ? { traceparent: event.headers.traceparent } : {}),
        ...(trace.getActiveSpan() ? { traceId: trace.getActiveSpan()?.spanContext().traceId } : {}),
      });
    },
  });
  await waitUntil(() => seen.length > 0, { timeoutMs: 60_000, message: 'the event was consumed' });
  assert.equal(seen[0]?.traceparent?.split('-')[1], writer.traceId, 'the message carries the stored trace');
  assert.equal(seen[0]?.traceId, writer.traceId, 'the handler runs in it');
});
