// url.created and url.deleted reach Kafka through the outbox, valid against their contracts.
// A click milestone produces exactly one notification.requested, however often the batch that
// crossed it is delivered: redelivery of the same batch is deduplicated by the consumer, and even
// with the consumer's memory of it erased the milestone row refuses a second announcement. Clicks
// arrive as url.clicked v3 rollups, in which only traced clicks keep their trace, by position
// (`ordinal`) among the rollup's clicks: a batch that crosses two milestones of one code announces
// both, each in the trace of the traced click that crossed it; when the code's clicks are split
// over two rollups in the batch, the second rollup's ordinals count after the first's; and a
// milestone crossed by an untraced click is announced once, in no click's trace.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
import type { Consumer, Producer } from 'kafkajs';
import type { BatchRollup } from '../src/domain/click-tally.ts';
import { milestoneRequestId } from '../src/domain/milestones.ts';
import { call, createTestBed, PUBLIC_BASE_URL, type Running, type TestBed } from './support.ts';

let bed: TestBed;
let svc: Running;
let kafka: TestKafka;
let consumer: Consumer;
let producer: Producer;
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
  producer = kafka.kafka.producer();
  await producer.connect();
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
  await producer?.disconnect();
  await consumer?.disconnect();
  await kafka?.cleanup();
  await bed?.cleanup();
});

const DAY_MS = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
const traceparentOf = (n: number) => `00-${n.toString(16).padStart(32, '0')}-${'1'.repeat(16)}-01`;
const traceIdOf = (traceparent: string) => traceparent.split('-')[1];

type Traced = BatchRollup['traced'];

/** `clicks` clicks of `code` by one visitor; `traced` says which of them were served in a trace. */
function rollupOf(code: string, clicks: number, traced: Traced = [], day = today): BatchRollup {
  return {
    code,
    day,
    clicks,
    referrers: [{ host: '(direct)', clicks }],
    agents: [{ family: '(none)', clicks }],
    visitors: ['a'.repeat(16)],
    traced,
  };
}

const sendBatch = (batchId: string, rollups: BatchRollup[]) =>
  producer.send({
    topic: `${bed.topicPrefix}url.clicked`,
    messages: [toKafkaMessage(urlClicked, { batchId, rollups }, { eventId: batchId })],
  });

/** A new link of `owner` whose total is already `clicks`. */
const linkAt = async (owner: string, clicks: number) => {
  const token = await bed.token({ sub: owner });
  const code = (
    await call(svc.url, 'POST', '/v1/urls', { body: { url: `https://example.com/${randomUUID()}` }, token })
  ).body.code as string;
  await bed.db.pool.query('UPDATE links SET clicks = $2 WHERE code = $1', [code, clicks]);
  return code;
};
const totalOf = async (code: string) =>
  Number((await bed.db.pool.query('SELECT clicks FROM links WHERE code = $1', [code])).rows[0].clicks);
const outboxDrained = () =>
  waitUntil(
    async () =>
      (await bed.db.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0]
        .n === 0,
    { message: 'the relay drained the outbox' },
  );
/** The milestone announcements received for `code`: each one's milestone and traceparent. */
const announcementsOf = (code: string) =>
  on('notification.requested')
    .map((event) => ({ event, data: decodeEvent(notificationRequested, event).data }))
    .filter(({ data }) => data.code === code)
    .map(({ event, data }) => ({ milestone: data.milestone as number, traceparent: event.traceparent }));

test('crossing 100 clicks publishes one notification.requested, even with redelivery', async () => {
  const code = await linkAt('dora', 99);

  // The 100th click, in a batch as the service sends them; then the same batch twice more.
  const send = () => sendBatch('batch-100', [rollupOf(code, 1)]);
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
  await waitUntil(async () => (await totalOf(code)) === 100, {
    timeoutMs: 60_000,
    message: 'the erased-memory redelivery was processed',
  });
  await outboxDrained();

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
  const code = await linkAt('fay', 98);
  const other = await linkAt('fay', 0);

  // 905 clicks of `code` in one rollup, a few of them traced: the 2nd is its 100th click, the
  // 902nd its 1,000th. Another code's rollup comes first in the batch and does not shift them.
  const traced = (ordinals: number[]): Traced =>
    ordinals.map((ordinal) => ({ ordinal, traceparent: traceparentOf(ordinal) }));
  await sendBatch('batch-two', [
    rollupOf(other, 90, [{ ordinal: 1, traceparent: traceparentOf(1_000_001) }]),
    rollupOf(code, 905, traced([1, 2, 3, 500, 901, 902, 903])),
  ]);
  await waitUntil(() => announcementsOf(code).length >= 2, {
    timeoutMs: 60_000,
    message: 'both notifications arrived',
  });
  await outboxDrained();

  assert.deepEqual(
    announcementsOf(code).sort((a, b) => a.milestone - b.milestone),
    [
      { milestone: 100, traceparent: traceparentOf(2) },
      { milestone: 1000, traceparent: traceparentOf(902) },
    ],
  );
  assert.equal(await totalOf(code), 1003);
  assert.equal(await totalOf(other), 90);
});

test("a code's clicks in two rollups of a batch: the second rollup's ordinals follow the first's", async () => {
  const code = await linkAt('gil', 95);

  // Yesterday's 3 clicks, then today's 6: the batch's 5th click of the code, today's 2nd, is its
  // 100th. Today's 5th is traced too: read without the offset, it would look like the crossing one.
  await sendBatch('batch-two-days', [
    rollupOf(code, 3, [{ ordinal: 3, traceparent: traceparentOf(13) }], yesterday),
    rollupOf(code, 6, [
      { ordinal: 2, traceparent: traceparentOf(22) },
      { ordinal: 5, traceparent: traceparentOf(25) },
    ]),
  ]);
  await waitUntil(() => announcementsOf(code).length >= 1, {
    timeoutMs: 60_000,
    message: 'the notification arrived',
  });
  await outboxDrained();

  assert.deepEqual(announcementsOf(code), [{ milestone: 100, traceparent: traceparentOf(22) }]);
  assert.equal(await totalOf(code), 104);
});

test("a milestone crossed by an untraced click is announced once, in no click's trace", async () => {
  const code = await linkAt('hal', 99);

  // The batch's 1st click of the code is its 100th; only the 2nd and 3rd were traced.
  const traced = [
    { ordinal: 2, traceparent: traceparentOf(32) },
    { ordinal: 3, traceparent: traceparentOf(33) },
  ];
  await sendBatch('batch-untraced', [rollupOf(code, 3, traced)]);
  await waitUntil(() => announcementsOf(code).length >= 1, {
    timeoutMs: 60_000,
    message: 'the notification arrived',
  });
  await outboxDrained();

  const announcements = announcementsOf(code);
  assert.equal(announcements.length, 1);
  const [announcement] = announcements;
  assert.equal(announcement?.milestone, 100);
  if (announcement?.traceparent !== undefined) {
    const clickTraces = traced.map((entry) => traceIdOf(entry.traceparent));
    assert.ok(!clickTraces.includes(traceIdOf(announcement.traceparent)), announcement.traceparent);
  }
  assert.equal(await totalOf(code), 102);
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
  await outboxDrained();
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
