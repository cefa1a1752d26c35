// url.created and url.deleted reach Kafka through the outbox, valid against their contracts.
// A click milestone produces exactly one notification.requested, however often the click that
// crossed it is delivered: redelivery of the same event is deduplicated by the consumer, and even
// with the consumer's memory of it erased the milestone row refuses a second announcement.
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
const received: { topic: string; key: string; eventId: string; payload: unknown; eventType: string }[] = [];
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
      });
    },
  });
});
after(async () => {
  await consumer?.disconnect();
  await kafka?.cleanup();
  await bed?.cleanup();
});

test('crossing 100 clicks publishes one notification.requested, even with redelivery', async () => {
  const token = await bed.token({ sub: 'dora' });
  const code = (await call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com/m' }, token }))
    .body.code as string;
  await bed.db.pool.query('UPDATE links SET clicks = 99 WHERE code = $1', [code]);

  // The 100th click, sent as the service sends clicks; then the same message twice more.
  const click = toKafkaMessage(
    urlClicked,
    {
      clickId: 'click-100',
      code,
      clickedAt: new Date().toISOString(),
      visitorId: 'a'.repeat(32),
      referrer: null,
      userAgent: null,
    },
    { eventId: 'click-100' },
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
