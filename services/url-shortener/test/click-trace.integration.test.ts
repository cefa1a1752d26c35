// A click message carries the trace of the redirect that produced it: the publisher keeps the
// span context active at record() (the redirect's) and writes it as the message's `traceparent`
// when the batch is sent, even though the send itself runs untraced, from a timer, in no request.
// A click recorded outside any trace carries none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRegistry } from '@lab/service-kit';
import { createTestKafka, type TestKafka, waitUntil } from '@lab/testkit';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Consumer } from 'kafkajs';
import { type ClickPublisher, createClickPublisher } from '../src/adapters/click-publisher.ts';

// What the tracing SDK gives a service: a context manager, so the active context follows the request.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

let kafka: TestKafka;
let publisher: ClickPublisher;
let consumer: Consumer;
let topic: string;
const received: { code: string; traceparent?: string }[] = [];

before(async () => {
  kafka = await createTestKafka('urlsh-click-trace');
  topic = await kafka.createTopic('url.clicked', 1);
  publisher = createClickPublisher({
    kafka: kafka.kafka,
    topic,
    visitorKey: 'test-visitor-key-0123456789',
    flushMs: 60_000, // flushed by the test
    batchSize: 100,
    maxBuffered: 1_000,
    sendTimeoutMs: 10_000,
    registry: createRegistry(),
  });
  await publisher.start();
  consumer = kafka.kafka.consumer({ groupId: `${topic}.observer` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const traceparent = message.headers?.traceparent?.toString();
      received.push({
        code: JSON.parse(message.value?.toString() ?? '{}').code,
        ...(traceparent ? { traceparent } : {}),
      });
    },
  });
});
after(async () => {
  await consumer?.disconnect();
  await publisher?.stop();
  await kafka?.cleanup();
});

test("each click message carries its redirect's traceparent; a click outside a trace carries none", async () => {
  const redirect = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  };
  const click = (code: string) => ({
    code,
    at: Date.now(),
    address: '127.0.0.1',
    userAgent: null,
    referrer: null,
  });
  context.with(trace.setSpanContext(ROOT_CONTEXT, redirect), () => publisher.record(click('traced1')));
  publisher.record(click('plain01'));
  await publisher.flush();
  await waitUntil(() => received.length === 2, { timeoutMs: 30_000, message: 'both clicks consumed' });

  const byCode = new Map(received.map((message) => [message.code, message]));
  assert.equal(byCode.get('traced1')?.traceparent, `00-${redirect.traceId}-${redirect.spanId}-01`);
  assert.equal(byCode.get('plain01')?.traceparent, undefined);
});
