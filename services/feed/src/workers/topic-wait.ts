// Consumers wait for the topics they read: a topic is created by its producer (maybe another
// service, maybe a moment ago), and a broker that just created a topic can refuse it for a while
// ("does not host this topic-partition") even after reporting its leaders. This waits, bounded,
// until the broker serves every partition, and retries the consumer's own start (which creates the
// DLQ topic) while the broker answers with a retriable error.
//
// A shared `waitForTopics` is being added in @lab/kafka-topics on another branch; when it lands,
// `waitForTopic` becomes that call.
import type { Kafka } from '@lab/service-kit';

const BOUND_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForTopic(kafka: Kafka, topic: string, boundMs = BOUND_MS): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await retrying(`topic ${topic} is served`, boundMs, async () => {
      const offsets = await admin.fetchTopicOffsets(topic);
      if (offsets.length === 0)
        throw Object.assign(new Error(`${topic} has no partitions yet`), { retriable: true });
    });
  } finally {
    await admin.disconnect();
  }
}

/** Runs `start`, again after a pause while it fails with a retriable Kafka error, within the bound. */
export async function retrying<T>(what: string, boundMs: number, start: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() > deadline) {
        throw new Error(`${what}: gave up after ${boundMs} ms`, { cause: error });
      }
      await sleep(250);
    }
  }
}
