// The click publisher against a real broker. Each click in a url.clicked batch carries the trace
// of the redirect that produced it: the publisher keeps the span context active at record() (the
// redirect's) and writes it as the click's `traceparent` when the batch is sent, even though the
// send itself runs untraced, from a timer, in no request; a click recorded outside any trace
// carries null. A batch whose clicks would exceed ~900 KB is split into several messages, each
// valid and under Kafka's 1 MB default, and no click is lost or sent twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeEvent, urlClicked } from '@lab/events';
import { createRegistry } from '@lab/service-kit';
import { createTestKafka, type TestKafka, waitUntil } from '@lab/testkit';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Consumer } from 'kafkajs';
import { MAX_BATCH_BYTES } from '../src/adapters/click-batch.ts';
import { type ClickPublisher, createClickPublisher } from '../src/adapters/click-publisher.ts';

// What the tracing SDK gives a service: a context manager, so the active context follows the request.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

let kafka: TestKafka;
let publisher: ClickPublisher;
let consumer: Consumer;
let topic: string;
const received: { eventId: string; key: string; bytes: number; payload: ReturnType<typeof decode> }[] = [];
const decode = (eventType: string | undefined, value: string) =>
  decodeEvent(urlClicked, { eventType, payload: JSON.parse(value) });
const clicksReceived = () => received.flatMap((message) => message.payload.clicks);

before(async () => {
  kafka = await createTestKafka('urlsh-click-trace');
  topic = await kafka.createTopic('url.clicked', 1);
  publisher = createClickPublisher({
    kafka: kafka.kafka,
    topic,
    visitorKey: 'test-visitor-key-0123456789',
    flushMs: 60_000, // flushed by the test
    batchSize: 1_000,
    maxBuffered: 5_000,
    sendTimeoutMs: 10_000,
    registry: createRegistry(),
  });
  await publisher.start();
  consumer = kafka.kafka.consumer({ groupId: `${topic}.observer` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({
        eventId: message.headers?.['event-id']?.toString() ?? '',
        key: message.key?.toString() ?? '',
        bytes: message.value?.length ?? 0,
        payload: decode(message.headers?.['event-type']?.toString(), message.value?.toString() ?? ''),
      });
    },
  });
});
after(async () => {
  await consumer?.disconnect();
  await publisher?.stop();
  await kafka?.cleanup();
});

test("each click in a batch carries its redirect's traceparent; a click outside a trace carries null", async () => {
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
  await waitUntil(() => clicksReceived().length === 2, {
    timeoutMs: 30_000,
    message: 'both clicks consumed',
  });

  // One message for both clicks, its key and event id the batch id.
  assert.equal(received.length, 1);
  const [message] = received;
  assert.ok(message);
  assert.equal(message.eventId, message.payload.batchId);
  assert.equal(message.key, message.payload.batchId);
  const byCode = new Map(clicksReceived().map((click) => [click.code, click]));
  assert.equal(byCode.get('traced1')?.traceparent, `00-${redirect.traceId}-${redirect.spanId}-01`);
  assert.equal(byCode.get('plain01')?.traceparent, null);
});

test('a batch of maximal clicks is split into messages under the size bound, every click once', async () => {
  received.length = 0;
  // 512 characters each, two UTF-8 bytes apiece and a quote that JSON escapes: ~2 KB per text.
  const text = (i: number) => `"é${i}`.padEnd(512, 'é');
  const count = 1_000;
  for (let i = 0; i < count; i += 1) {
    publisher.record({
      code: `big${i}`,
      at: Date.now(),
      address: `10.0.${i >> 8}.${i & 255}`,
      userAgent: text(i),
      referrer: `https://e.example/${text(i)}`.slice(0, 512),
    });
  }
  await publisher.flush();
  await waitUntil(() => clicksReceived().length >= count, {
    timeoutMs: 60_000,
    message: 'every click consumed',
  });

  assert.ok(
    received.length >= 3,
    `${count} clicks of ~2 KB need at least 3 messages, got ${received.length}`,
  );
  for (const message of received) assert.ok(message.bytes <= MAX_BATCH_BYTES, `${message.bytes} bytes`);
  assert.equal(new Set(received.map((message) => message.payload.batchId)).size, received.length);
  const codes = clicksReceived().map((click) => click.code);
  assert.equal(new Set(codes).size, count);
  assert.equal(codes.length, count);
  assert.equal(publisher.buffered, 0);
});
