// Waits until the topics this service uses can really be used. A broker that has just created a
// topic may still answer "does not host this topic-partition" for a moment, even after the
// creation call returned with leaders; asking every partition leader for its offsets
// (ListOffsets) only succeeds once the partitions exist there. Bounded: past the deadline start-up
// fails with the last error instead of hanging. To be replaced by @lab/kafka-topics' waitForTopics.
import type { Admin } from 'kafkajs';

export async function waitForTopics(
  admin: Admin,
  topics: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...topics];
  for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
    const stillPending: string[] = [];
    for (const topic of pending) {
      const usable = await admin.fetchTopicOffsets(topic).then(
        (partitions) => partitions.length > 0,
        () => false,
      );
      if (!usable) stillPending.push(topic);
    }
    pending = stillPending;
    if (pending.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`Kafka topics not usable after ${timeoutMs} ms: ${pending.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
