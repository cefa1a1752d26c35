// Kafka topics of one test file (or benchmark run), all under one prefix: created and waited for
// before the service starts, deleted afterwards.
import { waitUntil } from '@lab/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { topicsFor } from '../src/topics.ts';

const adminOf = (brokers: string[]) =>
  new Kafka({ clientId: 'url-shortener-test', brokers, logLevel: logLevel.NOTHING }).admin();

/** Deletes every topic the service created under this test file's prefix (and their DLQs). */
export async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = adminOf(brokers);
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the file's topics (and the aggregator's DLQ) before the service starts, and waits until
 * each partition has a leader: a fresh broker can briefly deny a topic it has just created, which
 * would fail the service's start-up for a reason that is not under test.
 */
export async function prepareTopics(brokers: string[], prefix: string): Promise<void> {
  const topicsOf = topicsFor(prefix);
  const topics = [...topicsOf.produced, `${topicsOf.clicked}.dlq`];
  const admin = adminOf(brokers);
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 3 })) });
    await waitUntil(
      async () => {
        try {
          const { topics: described } = await admin.fetchTopicMetadata({ topics });
          return described.every(
            (t) => t.partitions.length === 3 && t.partitions.every((p) => p.leader >= 0),
          );
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'every test topic has a leader' },
    );
  } finally {
    await admin.disconnect();
  }
}
