// createService's Kafka topics: the ones a service owns exist with a serving leader once start()
// resolves, and start() waits for the ones it consumes from other services instead of creating them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isTopicsNotReady } from '@lab/kafka-topics';
import { createTestKafka, type TestKafka, uniqueName } from '@lab/testkit';
import { type Example, startExample } from './fixtures/harness.ts';

describe('createService({ kafka: { topics, consumes } })', () => {
  let kafka: TestKafka;
  let example: Example | undefined;
  const owned = `sk.owned.${uniqueName('t')}`;

  before(async () => {
    kafka = await createTestKafka('sk_topics');
  });
  after(async () => {
    await example?.close();
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      if ((await admin.listTopics()).includes(owned)) await admin.deleteTopics({ topics: [owned] });
    } finally {
      await admin.disconnect();
      await kafka.cleanup();
    }
  });

  it('creates the owned topic, waits for the consumed one, and produces to the owned one at once', async () => {
    const consumed = await kafka.createTopic('sk.consumed', 1);
    example = await startExample('sk_topics', undefined, {
      kafka: { topics: [{ topic: owned, partitions: 2 }], consumes: [consumed] },
    });

    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [owned, consumed] });
      assert.deepEqual(
        topics.map((t) => [t.name, t.partitions.length]).sort(),
        [
          [consumed, 1],
          [owned, 2],
        ].sort(),
      );
    } finally {
      await admin.disconnect();
    }
    const producer = example.service.deps.producer;
    assert.ok(producer, 'the service has a producer');
    const [record] = await producer.send({ topic: owned, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    assert.equal(record?.errorCode, 0);
  });

  it('refuses to start while a consumed topic does not exist, naming it (and never creates it)', async () => {
    const missing = `sk.missing.${uniqueName('t')}`;
    await assert.rejects(
      startExample('sk_topics_missing', undefined, { kafka: { consumes: [missing], topicTimeoutMs: 500 } }),
      (error: unknown) => isTopicsNotReady(error) && error.message.includes(missing),
    );
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      assert.equal((await admin.listTopics()).includes(missing), false);
    } finally {
      await admin.disconnect();
    }
  });
});
