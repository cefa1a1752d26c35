// The click publisher against a real broker, sending url.clicked v3: a window of clicks summed per
// link (and day). A click recorded in an active span context (the redirect's, when it was served
// in a trace) keeps that trace in its rollup's `traced`, at its position among the rollup's clicks
// (`ordinal`), even though the send itself runs untraced, from a timer, in no request; a click
// recorded outside any trace leaves no entry. Many clicks of one link by one visitor become one
// rollup with their count and one visitor id. A window too big for one message (more visitors on
// one link than a message may carry, links with the most referrer hosts of the longest names) is
// split into several messages, each valid and under ~900 KB (Kafka's default is 1 MB), with every
// click counted once and every visitor sent once (a link's visitors that do not fit continue in
// the next message, in a rollup of no clicks). After a flush nothing is left buffered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeEvent, MAX_REFERRER_HOSTS_PER_ROLLUP, MAX_VISITORS_PER_BATCH, urlClicked } from '@lab/events';
import { createRegistry } from '@lab/service-kit';
import { createTestKafka, type TestKafka, waitUntil } from '@lab/testkit';
import { context, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Consumer } from 'kafkajs';
import { MAX_BATCH_BYTES } from '../src/adapters/click-batch.ts';
import { type ClickPublisher, createClickPublisher, type RawClick } from '../src/adapters/click-publisher.ts';

// What the tracing SDK gives a service: a context manager, so the active context follows the request.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

let kafka: TestKafka;
let publisher: ClickPublisher;
let consumer: Consumer;
let topic: string;
const received: { eventId: string; key: string; value: string; payload: ReturnType<typeof decode> }[] = [];
const decode = (eventType: string | undefined, value: string) =>
  decodeEvent(urlClicked, { eventType, payload: JSON.parse(value) });
const rollupsReceived = () => received.flatMap((message) => message.payload.rollups);
const clicksReceived = () => rollupsReceived().reduce((sum, rollup) => sum + rollup.clicks, 0);

before(async () => {
  kafka = await createTestKafka('urlsh-click-trace');
  topic = await kafka.createTopic('url.clicked', 1);
  publisher = createClickPublisher({
    kafka: kafka.kafka,
    topic,
    visitorKey: 'test-visitor-key-0123456789',
    flushMs: 60_000, // flushed by the test
    maxLinks: 10_000,
    maxVisitors: 100_000,
    sendTimeoutMs: 10_000,
    registry: createRegistry(),
  });
  await publisher.start();
  consumer = kafka.kafka.consumer({ groupId: `${topic}.observer` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value = message.value?.toString() ?? '';
      received.push({
        eventId: message.headers?.['event-id']?.toString() ?? '',
        key: message.key?.toString() ?? '',
        value,
        payload: decode(message.headers?.['event-type']?.toString(), value),
      });
    },
  });
});
after(async () => {
  await consumer?.disconnect();
  await publisher?.stop();
  await kafka?.cleanup();
});

const today = () => new Date().toISOString().slice(0, 10);
const click = (code: string, fields: Partial<RawClick> = {}): RawClick => ({
  code,
  at: Date.now(),
  address: '127.0.0.1',
  userAgent: null,
  referrer: null,
  ...fields,
});

/** Flushes what was recorded; resolves when `clicks` clicks have been consumed. */
async function flushAndReceive(clicks: number) {
  await publisher.flush();
  assert.equal(publisher.buffered, 0);
  await waitUntil(() => clicksReceived() >= clicks, {
    timeoutMs: 30_000,
    message: `${clicks} clicks consumed`,
  });
  assert.equal(clicksReceived(), clicks);
}

test("a traced click keeps its redirect's traceparent at its ordinal; an untraced one leaves none", async () => {
  received.length = 0;
  const redirect = (spanId: string): SpanContext => ({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId,
    traceFlags: TraceFlags.SAMPLED,
  });
  const inRedirect = (spanContext: SpanContext, raw: RawClick) =>
    context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => publisher.record(raw));
  const first = redirect('00f067aa0ba902b7');
  const second = redirect('00f067aa0ba902b8');
  publisher.record(click('traced1'));
  inRedirect(first, click('traced1'));
  publisher.record(click('traced1'));
  inRedirect(second, click('traced1'));
  publisher.record(click('plain01'));
  assert.equal(publisher.buffered, 5);
  await flushAndReceive(5);

  // One message for the window, its key and event id the batch id.
  assert.equal(received.length, 1);
  const [message] = received;
  assert.ok(message);
  assert.equal(message.eventId, message.payload.batchId);
  assert.equal(message.key, message.payload.batchId);
  const byCode = new Map(rollupsReceived().map((rollup) => [rollup.code, rollup]));
  assert.equal(byCode.get('traced1')?.clicks, 4);
  assert.deepEqual(byCode.get('traced1')?.traced, [
    { ordinal: 2, traceparent: `00-${first.traceId}-${first.spanId}-01` },
    { ordinal: 4, traceparent: `00-${second.traceId}-${second.spanId}-01` },
  ]);
  assert.equal(byCode.get('plain01')?.clicks, 1);
  assert.deepEqual(byCode.get('plain01')?.traced, []);
});

test("one visitor's clicks on one link become one rollup: their count and one visitor id", async () => {
  received.length = 0;
  const clicks = 500;
  for (let i = 0; i < clicks; i += 1)
    publisher.record(
      click('onevis1', { userAgent: 'Mozilla/5.0 Firefox/140.0', referrer: 'https://News.example/a' }),
    );
  await flushAndReceive(clicks);

  assert.equal(received.length, 1);
  const [rollup, ...others] = rollupsReceived();
  assert.deepEqual(others, []);
  assert.ok(rollup);
  const { visitors, ...counts } = rollup;
  assert.deepEqual(counts, {
    code: 'onevis1',
    day: today(),
    clicks,
    referrers: [{ host: 'news.example', clicks }],
    agents: [{ family: 'firefox', clicks }],
    traced: [],
  });
  // One visitor, as a keyed hash: the address itself never leaves the process.
  assert.equal(visitors.length, 1);
  assert.match(visitors[0] as string, /^[0-9a-f]{16}$/);
  assert.ok(!received[0]?.value.includes('127.0.0.1'));
});

test('a window too big for one message is split under the size bound: every click and visitor once', async () => {
  received.length = 0;
  // One link with more distinct visitors than a message carries...
  const crowd = MAX_VISITORS_PER_BATCH + 5_000;
  for (let i = 0; i < crowd; i += 1)
    publisher.record(click('crowd01', { address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }));
  // ...and links referred by one host more than a rollup names, each of the longest name (253):
  // ~9 KB a rollup, so these alone need several messages.
  const hostLinks = 300;
  const hostsPerLink = MAX_REFERRER_HOSTS_PER_ROLLUP + 1;
  const expected = new Map([['crowd01', crowd]]);
  for (let link = 0; link < hostLinks; link += 1) {
    const code = `hosts${link}`;
    expected.set(code, hostsPerLink);
    for (let n = 0; n < hostsPerLink; n += 1)
      publisher.record(click(code, { referrer: `https://${`h${link}-${n}.`.padEnd(253, 'x')}/` }));
  }
  await flushAndReceive(crowd + hostLinks * hostsPerLink);

  assert.ok(received.length >= 4, `${received.length} messages`);
  for (const message of received) {
    const bytes = Buffer.byteLength(message.value);
    assert.ok(bytes <= MAX_BATCH_BYTES, `${bytes} bytes`);
  }
  assert.equal(new Set(received.map((message) => message.payload.batchId)).size, received.length);
  // Every click counted once: per code, the rollups' clicks sum to the clicks recorded.
  const clicksByCode = new Map<string, number>();
  for (const rollup of rollupsReceived())
    clicksByCode.set(rollup.code, (clicksByCode.get(rollup.code) ?? 0) + rollup.clicks);
  assert.deepEqual(clicksByCode, expected);
  // The crowd's visitors did not fit in one message: the rest continue in a rollup of no clicks.
  const crowdRollups = rollupsReceived().filter((rollup) => rollup.code === 'crowd01');
  assert.deepEqual(
    crowdRollups.map((rollup) => rollup.clicks),
    [crowd, 0],
  );
  const crowdVisitors = crowdRollups.flatMap((rollup) => rollup.visitors);
  assert.equal(crowdVisitors.length, crowd);
  assert.equal(new Set(crowdVisitors).size, crowd);
  // A host link's 33rd host is counted under '(other)'.
  for (const rollup of rollupsReceived().filter((rollup) => rollup.code.startsWith('hosts'))) {
    assert.equal(rollup.referrers.length, MAX_REFERRER_HOSTS_PER_ROLLUP + 1);
    assert.deepEqual(rollup.referrers.at(-1), { host: '(other)', clicks: 1 });
  }
});
