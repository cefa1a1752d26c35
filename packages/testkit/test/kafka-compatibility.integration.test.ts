// Proves the client this lab uses (KafkaJS 2.2.4) against the broker version infra/local runs.
// Kafka 4.0 removed old protocol versions (KIP-896); these are the calls the lab depends on:
// admin topic creation, the idempotent producer with acks=all, group consumption and offset commits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { createTestKafka, type TestKafka, uniqueName, waitUntil } from '../src/index.ts';

describe('KafkaJS 2.2.4 against the lab broker', () => {
  let kafka: TestKafka;
  before(async () => {
    kafka = await createTestKafka('compat');
  });
  after(async () => {
    await kafka.cleanup();
  });

  it('creates topics through the admin API and reads their metadata', async () => {
    const topic = await kafka.createTopic('compat.admin', 3);
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(topics[0]?.partitions.length, 3);
    } finally {
      await admin.disconnect();
    }
  });

  it('produces idempotently with acks=all, consumes in a group and commits offsets', async () => {
    const topic = await kafka.createTopic('compat.flow', 2);
    const groupId = uniqueName('compat-group');
    const producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.kafka.consumer({ groupId, retry: { retries: 2 } });
    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        received.push(String(message.value));
        await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
      },
    });
    await waitUntil(() => received.length === sent.length, {
      timeoutMs: 30_000,
      message: 'all messages consumed',
    });
    await consumer.disconnect();
    assert.deepEqual([...received].sort(), sent.map((m) => m.value).sort());

    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
      assert.equal(committed, sent.length, 'committed offsets cover every message');
    } finally {
      await admin.disconnect();
    }
  });

  it('fails loudly when producing to a topic that was never created (auto-creation is off)', async () => {
    const producer = kafka.kafka.producer({ retry: { retries: 1, initialRetryTime: 50 } });
    await producer.connect();
    try {
      await assert.rejects(
        producer.send({ topic: uniqueName('never.created'), acks: -1, messages: [{ value: 'x' }] }),
      );
    } finally {
      await producer.disconnect();
    }
  });
});

// Keep KafkaJS quiet unless a test fails; the import documents which log levels exist.
void logLevel;
