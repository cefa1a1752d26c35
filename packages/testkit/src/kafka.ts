// Kafka isolation by topic name: every test file creates its own topics (auto-creation is off
// on the lab's broker, so a typo fails loudly instead of creating a stray topic).
import { Kafka, logLevel } from 'kafkajs';
import { testDependencies } from './dependencies.ts';
import { uniqueName } from './unique-name.ts';

export type TestKafka = {
  brokers: string[];
  kafka: Kafka;
  /** Creates a uniquely named topic (`<base>.<random>`) and returns its name. */
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
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
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
