// Kafka isolation by topic name: every test file creates its own topics (auto-creation is off
// on the lab's broker, so a typo fails loudly instead of creating a stray topic). Topics come from
// @lab/kafka-topics, which returns only once every partition has a leader: a test may produce and
// consume the moment createTopic resolves, even on a broker formatted seconds before.
import { ensureTopics } from '@lab/kafka-topics';
import { Kafka, logLevel } from 'kafkajs';
import { testDependencies } from './dependencies.ts';
import { uniqueName } from './unique-name.ts';

export type TestKafka = {
  brokers: string[];
  kafka: Kafka;
  /** Creates a uniquely named topic (`<base>.<random>`), waits until it is usable, returns its name. */
  createTopic(base: string, partitions?: number): Promise<string>;
  /** Deletes the topics created through createTopic(). */
  cleanup(): Promise<void>;
};

export async function createTestKafka(label = 'test'): Promise<TestKafka> {
  const { kafkaBrokers } = await testDependencies();
  const kafka = new Kafka({ clientId: uniqueName(label), brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  return {
    brokers: kafkaBrokers,
    kafka,
    async createTopic(base, partitions = 3) {
      const topic = `${base}.${uniqueName('t')}`;
      await ensureTopics(admin, [{ topic, partitions }]);
      created.push(topic);
      return topic;
    },
    async cleanup() {
      try {
        if (created.length > 0) await admin.deleteTopics({ topics: created });
      } finally {
        await admin.disconnect();
      }
    },
  };
}
