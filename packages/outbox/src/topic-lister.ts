// Which topics the broker lists, through one admin connection kept for the relay's lifetime (the
// question is asked only after a send failed for an unknown topic, so the cost is off the hot path).
// A failed call drops the connection; the next call opens a new one.
import type { Admin, Kafka } from 'kafkajs';

export type TopicLister = {
  present(topics: readonly string[]): Promise<ReadonlySet<string>>;
  close(): Promise<void>;
};

export function createTopicLister(kafka: Kafka): TopicLister {
  let admin: Admin | undefined;
  const drop = async () => {
    const old = admin;
    admin = undefined;
    await old?.disconnect().catch(() => {});
  };
  return {
    async present(topics) {
      try {
        if (!admin) {
          admin = kafka.admin();
          await admin.connect();
        }
        const listed = new Set(await admin.listTopics());
        return new Set(topics.filter((topic) => listed.has(topic)));
      } catch (error) {
        await drop();
        throw error;
      }
    },
    close: drop,
  };
}
