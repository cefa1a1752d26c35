// url.created and url.deleted reach Kafka through the outbox, valid against their contracts.
// A click milestone produces exactly one notification.requested, however often the batch that
// crossed it is delivered: redelivery of the same batch is deduplicated by the consumer, and even
// with the consumer's memory of it erased the milestone row refuses a second announcement. A
// batch that crosses two milestones of one code announces both, each in the trace of the
// redirect whose click crossed it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  decodeEvent,
  notificationRequested,
  toKafkaMessage,
  urlClicked,
  urlCreated,
  urlDeleted,
} from '@lab/events';
import { createTestKafka, type TestKafka, waitUntil } from '@lab/testkit';
import type { Consumer } from 'kafkajs';
import { milestoneRequestId } from '../src/domain/milestones.ts';
import { call, createTestBed, PUBLIC_BASE_URL, type Running, type TestBed } from './support.ts';

let bed: TestBed;
let svc: Running;
let kafka: TestKafka;
let consumer: Consumer;
const received: {
  topic: string;
  key: string;
  eventId: string;
  payload: unknown;
  eventType: string;
  traceparent?: string;
}[] = [];
const on = (topic: string) => received.filter((event) => event.topic === `${bed.topicPrefix}${topic}`);

before(async () => {
  bed = await createTestBed('urlsh_ms');
  svc = await bed.start();
  kafka = await createTestKafka('urlsh-ms');
  consumer = kafka.kafka.consumer({ groupId: `${bed.topicPrefix}observer` });
  await consumer.connect();
  await consumer.subscribe({
    topics: ['notification.requested', 'url.created', 'url.deleted'].map((t) => `${bed.topicPrefix}${t}`),
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      received.push({
        topic,
        key: message.key?.toString() ?? '',
        eventId: message.headers?.['event-id']?.toString() ?? '',
        eventType: message.headers?.['event-type']?.toString() ?? '',
        payload: JSON.parse(message.value?.toString() ?? 'null'),
        traceparent: message.headers?.traceparent?.toString(),
      });
    },
  });
});
after(async () => {
  await consumer?.disconnect();
  await kafka?.cleanup();
  await bed?.cleanup();
});

const traceparentOf = (n: number) => `00-${n.toString(16).padStart(32, '0')}-${'1'.repeat(16)}-01`;

function clickOf(code: string, traceparent: string | null = null) {
  return {
    code,
    clickedAt: new Date().toISOString(),
    visitorId: 'a'.repeat(32),
    referrer: null,
    userAgent: null,
    traceparent,
  };
}

test('crossing 100 clicks publishes one notification.requested, even with redelivery', async () => {
  const token = await bed.token({ sub: 'dora' });
  const code = (await call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com/m' }, token }))
    .body.code as string;
  await bed.db.pool.query('UPDATE links SET clicks = 99 WHERE code = $1', [code]);

  // The 100th click, in a batch sent as the service sends them; then the same batch twice more.
  const click = toKafkaMessage(
    urlClicked,
    { batchId: 'batch-100', clicks: [clickOf(code)] },
    { eventId: 'batch-100' },
  );
  const producer = kafka.kafka.producer();
  await producer.connect();
  const send = () => producer.send({ topic: `${bed.topicPrefix}url.clicked`, messages: [click] });
  await send();
  await waitUntil(() => on('notification.requested').length >= 1, {
    timeoutMs: 60_000,
    message: 'the notification arrived',
  });
  await send();
  await send();
  await waitUntil(
    async () => (await svc.metric('outbox_consumer_messages_total', { outcome: 'duplicate' })) >= 2,
    {
      timeoutMs: 60_000,
      message: 'both redeliveries were processed',
    },
  );

  // The consumer's memory erased and the count put back: the click is processed again and
  // crosses 100 again, and the milestone row still refuses a second announcement.
  await bed.db.pool.query('DELETE FROM outbox_processed_events');
  await bed.db.pool.query('UPDATE links SET clicks = 99 WHERE code = $1', [code]);
  await send();
  await waitUntil(
    async () =>
      (await bed.db.pool.query('SELECT clicks FROM links WHERE code = $1', [code])).rows[0].clicks === '100',
    { timeoutMs: 60_000, message: 'the erased-memory redelivery was processed' },
  );
  await producer.disconnect();
  await waitUntil(
    async () =>
      (await bed.db.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0]
        .n === 0,
    { message: 'the relay drained the outbox' },
  );

  const notifications = on('notification.requested');
  assert.equal(notifications.length, 1);
  const [event] = notifications;
  assert.ok(event);
  const requestId = milestoneRequestId(code, 100);
  assert.equal(event.key, 'dora');
  assert.equal(event.eventId, requestId);
  assert.deepEqual(decodeEvent(notificationRequested, event), {
    requestId,
    userId: 'dora',
    category: 'transactional',
    template: 'url.milestone',
    data: { code, milestone: 100, shortUrl: `${PUBLIC_BASE_URL}/${code}` },
    source: 'url-shortener',
  });
  const milestones = await bed.db.pool.query('SELECT milestone FROM link_milestones WHERE code = $1', [code]);
  assert.deepEqual(milestones.rows, [{ milestone: '100' }]);
});

test('a batch crossing 100 and 1,000 announces both, each in the trace of the click that crossed it', async () => {
  const token = await bed.token({ sub: 'fay' });
  const code = (await call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com/f' }, token }))
    .body.code as string;
  await bed.db.pool.query('UPDATE links SET clicks = 98 WHERE code = $1', [code]);
  const other = (await call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com/o' }, token }))
    .body.code as string;

  // 905 clicks of `code`, each in its own redirect's trace, interleaved with another code's: the
  // 2nd of `code` is its 100th click, the 902nd its 1,000th.
  const clicks = [];
  for (let n = 1; n <= 905; n += 1) {
    clicks.push(clickOf(code, traceparentOf(n)));
    if (n % 10 === 0) clicks.push(clickOf(other, traceparentOf(1_000_000 + n)));
  }
  const producer = kafka.kafka.producer();
  await producer.connect();
  await producer.send({
    topic: `${bed.topicPrefix}url.clicked`,
    messages: [toKafkaMessage(urlClicked, { batchId: 'batch-two', clicks }, { eventId: 'batch-two' })],
  });
  await producer.disconnect();
  const mine = () =>
    on('notification.requested').filter(
      (event) => (decodeEvent(notificationRequested, event).data as { code: string }).code === code,
    );
  await waitUntil(() => mine().length >= 2, { timeoutMs: 60_000, message: 'both notifications arrived' });

  const byMilestone = new Map(
    mine().map((event) => [decodeEvent(notificationRequested, event).data.milestone, event]),
  );
  assert.equal(mine().length, 2);
  assert.equal(byMilestone.get(100)?.traceparent, traceparentOf(2));
  assert.equal(byMilestone.get(1000)?.traceparent, traceparentOf(902));
  const { rows } = await bed.db.pool.query('SELECT clicks FROM links WHERE code = $1', [code]);
  assert.deepEqual(rows, [{ clicks: '1003' }]);
});

test('url.created and url.deleted are published through the outbox, one each', async () => {
  const token = await bed.token({ sub: 'erin' });
  const created = await call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com/e' }, token });
  const code = created.body.code as string;
  assert.equal((await call(svc.url, 'DELETE', `/v1/urls/${code}`, { token })).status, 204);
  assert.equal((await call(svc.url, 'DELETE', `/v1/urls/${code}`, { token })).status, 204); // no second event
  const mine = (topic: string) => on(topic).filter((event) => event.key === code);
  await waitUntil(() => mine('url.created').length === 1 && mine('url.deleted').length === 1, {
    timeoutMs: 60_000,
    message: 'both events arrived',
  });
  await waitUntil(
    async () =>
      (await bed.db.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0]
        .n === 0,
    { message: 'the relay drained the outbox' },
  );
  assert.equal(mine('url.created').length, 1);
  assert.equal(mine('url.deleted').length, 1);
  const createdEvent = decodeEvent(
    urlCreated,
    mine('url.created')[0] as { eventType: string; payload: unknown },
  );
  assert.equal(createdEvent.url, 'https://example.com/e');
  assert.equal(createdEvent.ownerId, 'erin');
  const deletedEvent = decodeEvent(
    urlDeleted,
    mine('url.deleted')[0] as { eventType: string; payload: unknown },
  );
  assert.equal(deletedEvent.code, code);
});
