// Delivery under faults, against real Kafka, Postgres, Redis and provider-sim:
// - a provider outage: the primary's breaker opens at its threshold and traffic fails over to the
//   secondary; with both down, retries end in the DLQ with status failed, and every accepted
//   message is accounted for (delivered + failed = accepted; DLQ size = failed); a replay
//   delivers them once the providers are back;
// - an offset reset redelivers every job, and not one more message reaches a provider;
// - Kafka intake: a notification.requested event is delivered with its trace id; an event that
//   breaks the contract is dead-lettered.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { notificationRequested, toKafkaMessage } from '@lab/events';
import { metricValue } from '@lab/metrics';
import { waitUntil } from '@lab/testkit';
import pg from 'pg';
import { topicFor } from '../src/domain/channels.ts';
import { replayDeadLetters } from '../src/workers/replay-dead-letters.ts';
import { insertTemplate, insertUsers, settle } from './support/fixtures.ts';
import { createTestBed, type Notifications, type TestBed } from './support/testbed.ts';

let bed: TestBed;
let service: Notifications;
let pool: pg.Pool;
let sender: string;

before(async () => {
  bed = await createTestBed('notif_delivery');
  service = await bed.start();
  pool = new pg.Pool({ connectionString: bed.db.url, max: 3 });
  sender = await bed.sender();
  await insertTemplate(pool, 'auth.otp', {
    email: { subject: 'Code', body: 'Code {{code}}' },
    sms: { body: 'Code {{code}}' },
  });
});
after(async () => {
  await pool.end();
  await bed.cleanup();
});

const simAccepted = (provider: string) =>
  metricValue(bed.sim.deps.registry, 'provider_sim_requests_total', { provider, outcome: 'accept' });
const simCalls = async (provider: string) => {
  let total = 0;
  for (const outcome of ['accept', 'duplicate', 'error', 'timeout', 'outage']) {
    total += await metricValue(bed.sim.deps.registry, 'provider_sim_requests_total', { provider, outcome });
  }
  return total;
};
const setProvider = (name: string, behaviour: object) =>
  bed.sim.simulator.setBehaviour(name as never, behaviour);

async function dlqSize(topic: string): Promise<number> {
  const admin = bed.kafka.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(`${topic}.dlq`);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const sendSms = async (userIds: string[]) => {
  const eventId = randomUUID();
  const body = {
    eventId,
    userIds,
    category: 'transactional',
    template: 'auth.otp',
    data: { code: '7' },
    channels: ['sms'],
  };
  const accepted = await bed.call('POST', '/v1/notifications', { token: sender, body });
  assert.equal(accepted.status, 202);
  return { eventId, queued: accepted.body.queued as number };
};

describe('provider outage', () => {
  test('the primary breaker opens and the secondary takes the traffic; nothing is lost', async () => {
    const users = await insertUsers(pool, 'outage', 30);
    setProvider('sms-primary', { outage: true });
    const { eventId, queued } = await sendSms(users);
    assert.equal(queued, 30);
    const counts = await settle(pool, eventId, ['delivered'], { expected: 30 });
    assert.deepEqual(counts, { delivered: 30 });
    const [primary, secondary] = service.parts.channelSenders.sms.breakers;
    assert.equal(primary?.state, 'open');
    assert.equal(secondary?.state, 'closed');
    const primaryCalls = await simCalls('sms-primary');
    assert.ok(
      primaryCalls >= 5 && primaryCalls < 30,
      `the open breaker stopped calls to the primary (${primaryCalls})`,
    );
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n FROM messages WHERE request_id = $1 AND provider = $2',
      [eventId, 'sms-secondary'],
    );
    assert.equal(rows[0].n, 30);
  });

  test('both providers down: retries, then the DLQ with status failed; a replay delivers them', async () => {
    const users = await insertUsers(pool, 'down', 10);
    setProvider('sms-secondary', { outage: true });
    const topic = topicFor(bed.topicPrefix, 'sms', 'high', 'priority');
    const dlqBefore = await dlqSize(topic);
    const { eventId, queued } = await sendSms(users);
    const counts = await settle(pool, eventId, ['delivered', 'failed'], { expected: queued });
    assert.deepEqual(counts, { failed: 10 }, 'every accepted message is accounted for');
    const { rows } = await pool.query('SELECT DISTINCT attempts FROM messages WHERE request_id = $1', [
      eventId,
    ]);
    assert.deepEqual(rows, [{ attempts: 4 }], 'the first try and three retries');
    await waitUntil(async () => (await dlqSize(topic)) - dlqBefore === 10, { message: '10 dead letters' });

    setProvider('sms-primary', { outage: false });
    setProvider('sms-secondary', { outage: false });
    // The providers are back; so that the replay's single attempt is not refused by breakers still
    // inside their 60 s open period, the operator closes them (what the half-open probe would do).
    for (const breaker of service.parts.channelSenders.sms.breakers) breaker.reset();
    const replay = await replayDeadLetters({
      kafka: bed.kafka.kafka,
      pool,
      topic,
      channel: 'sms',
      categories: ['transactional'],
    });
    assert.equal(replay.requeued, 10);
    assert.ok(replay.replayed >= 10);
    assert.deepEqual(await settle(pool, eventId, ['delivered'], { expected: 10 }), { delivered: 10 });
  });
});

describe('redelivery', () => {
  test('offsets reset to the beginning: every job comes again, no provider gets a second message', async () => {
    const accepted = {
      primary: await simAccepted('sms-primary'),
      secondary: await simAccepted('sms-secondary'),
    };
    await service.stop();
    const topic = topicFor(bed.topicPrefix, 'sms', 'high', 'priority');
    const groupId = `${bed.topicPrefix}notifications.delivery.sms.high`;
    const admin = bed.kafka.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId, topic, earliest: true });
    const high = await admin.fetchTopicOffsets(topic);
    const restarted = await bed.start();
    const caughtUp = async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (committed?.partitions ?? []).every((p) => {
        const end = high.find((h) => h.partition === p.partition)?.high;
        return end !== undefined && Number(p.offset) >= Number(end);
      });
    };
    await waitUntil(caughtUp, { timeoutMs: 60_000, message: 'the group consumed the topic again' });
    await admin.disconnect();
    // A fresh process (its own metrics): every job of the topic came again and was recognised.
    const replayedJobs = await metricValue(restarted.deps.registry, 'notifications_messages_total', {
      outcome: 'duplicate',
    });
    assert.ok(replayedJobs >= 40, `the reset redelivered the jobs (${replayedJobs})`);
    assert.equal(await simAccepted('sms-primary'), accepted.primary);
    assert.equal(await simAccepted('sms-secondary'), accepted.secondary);
    service = restarted;
  });
});

describe('intake from Kafka', () => {
  test('notification.requested is delivered, carrying the producer trace id to the provider', async () => {
    const [user] = await insertUsers(pool, 'kafka', 1);
    const requestId = randomUUID();
    const traceId = randomUUID().replaceAll('-', '');
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const message = toKafkaMessage(
      notificationRequested,
      {
        requestId,
        userId: user as string,
        category: 'transactional',
        template: 'auth.otp',
        data: { code: '99' },
        channels: ['email'],
        source: 'url-shortener',
      },
      { headers: { traceparent } },
    );
    const producer = bed.kafka.kafka.producer();
    await producer.connect();
    await producer.send({ topic: `${bed.topicPrefix}notification.requested`, messages: [message, message] });
    assert.deepEqual(await settle(pool, requestId, ['delivered'], { expected: 1 }), { delivered: 1 });
    const [row] = (await pool.query('SELECT id FROM messages WHERE request_id = $1', [requestId])).rows;
    const [received] = bed.sim.simulator.recordings.list({ messageId: row.id, limit: 2 });
    assert.equal(received?.traceparent?.split('-')[1], traceId);

    const broken = {
      ...message,
      value: JSON.stringify({ requestId: 'nope' }),
      headers: { ...message.headers, 'event-id': randomUUID() },
    };
    await producer.send({ topic: `${bed.topicPrefix}notification.requested`, messages: [broken] });
    await producer.disconnect();
    await waitUntil(async () => (await dlqSize(`${bed.topicPrefix}notification.requested`)) === 1, {
      timeoutMs: 30_000,
      message: 'the contract violation is dead-lettered',
    });
  });
});
