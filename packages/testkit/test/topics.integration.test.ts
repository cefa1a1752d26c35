// @lab/kafka-topics against the real broker (it lives here because testkit depends on that package;
// a test dependency back would be a cycle). The property that matters: a topic is usable the moment
// creation resolves — a producer that does not retry and a group consumer succeed at once. CI runs
// this on a broker formatted just before the suite, where the metadata lag used to fail creation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureTopics, isTopicsNotReady, waitForTopics } from '@lab/kafka-topics';
import { createTestKafka, type TestKafka, uniqueName } from '../src/index.ts';

describe('@lab/kafka-topics on the real broker', () => {
  let kafka: TestKafka;
  const extraTopics: string[] = [];
  before(async () => {
    kafka = await createTestKafka('topics');
  });
  after(async () => {
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const ours = extraTopics.filter((topic) => existing.has(topic));
      if (ours.length > 0) await admin.deleteTopics({ topics: ours });
    } finally {
      await admin.disconnect();
      await kafka.cleanup();
    }
  });

  it('a fresh topic takes a produce without client retries and a group consume at once', async () => {
    const topic = await kafka.createTopic('topics.fresh', 3);
    // retries: 0 (so not idempotent, which requires retries): a broker that still denied the topic
    // would fail this send instead of the client hiding it behind a retry.
    const producer = kafka.kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    const sent = Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    try {
      await producer.send({ topic, acks: -1, messages: sent });
    } finally {
      await producer.disconnect();
    }

    const consumer = kafka.kafka.consumer({ groupId: uniqueName('topics-group'), retry: { retries: 2 } });
    const received: string[] = [];
    let allReceived: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allReceived = resolve;
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push(String(message.value));
          if (received.length === sent.length) allReceived();
        },
      });
      await withBound(done, 30_000, 'every message consumed by the group');
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual([...received].sort(), sent.map((m) => m.value).sort());
  });

  it('creates only what is missing, and two concurrent callers create a topic once', async () => {
    const topic = `topics.race.${uniqueName('t')}`;
    extraTopics.push(topic);
    const spec = { topic, partitions: 2 };
    const results = await Promise.all([
      ensureTopics(kafka.brokers, [spec]),
      ensureTopics(kafka.brokers, [spec]),
    ]);
    assert.deepEqual(results.flat(), [topic], 'exactly one caller created it; the other accepted it');
    assert.deepEqual(
      await ensureTopics(kafka.brokers, [{ topic, partitions: 5 }]),
      [],
      'an existing topic is kept',
    );

    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(topics[0]?.partitions.length, 2);
      assert.ok(topics[0]?.partitions.every((p) => p.leader >= 0));
    } finally {
      await admin.disconnect();
    }
  });

  it('waitForTopics gives up on a topic nobody creates, naming it, and returns once it is created', async () => {
    const topic = `topics.later.${uniqueName('t')}`;
    extraTopics.push(topic);
    await assert.rejects(
      waitForTopics(kafka.brokers, [topic], { timeoutMs: 300 }),
      (error: unknown) => isTopicsNotReady(error) && error.message.includes(topic),
    );
    const waiting = waitForTopics(kafka.brokers, [topic]);
    await ensureTopics(kafka.brokers, [{ topic, partitions: 1 }]);
    await waiting;
  });

  it('fails at once, not after the timeout, on an error that waiting cannot fix', async () => {
    const topic = `topics.invalid.${uniqueName('t')}`;
    extraTopics.push(topic);
    // One broker cannot hold three replicas: INVALID_REPLICATION_FACTOR is final.
    await assert.rejects(
      ensureTopics(kafka.brokers, [{ topic, replicationFactor: 3 }], { timeoutMs: 120_000 }),
      (error: { errors?: { type?: string }[] }) =>
        error.errors?.some((part) => part.type === 'INVALID_REPLICATION_FACTOR') === true,
    );
  });
});

/** Rejects naming `what` if `promise` has not settled within `ms` (a bound, not a timing claim). */
async function withBound<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}
