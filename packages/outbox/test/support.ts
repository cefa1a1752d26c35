// Shared set-up for the outbox integration tests: a fresh database with the outbox schema, unique
// Kafka topics, quiet KafkaJS clients and a private metrics registry per test file.
import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  createTestKafka,
  type TestDatabase,
  type TestKafka,
  waitUntil,
} from '@lab/testkit';
import { type ISocketFactory, Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { applyOutboxSchema } from '../src/index.ts';

export type ReadMessage = { key: string | undefined; value: string; headers: Record<string, string> };

export type OutboxFixture = {
  db: TestDatabase;
  testKafka: TestKafka;
  /** A direct client to the broker. */
  kafka: Kafka;
  registry: Registry;
  /** A client whose connections go through `socketFactory` (a fault proxy). */
  kafkaVia(socketFactory: ISocketFactory): Kafka;
  /** Sum of the topic's partition end offsets: how many messages it holds. */
  messageCount(topic: string): Promise<number>;
  /** Reads a topic from the start with a throw-away group until `expected` messages arrived. */
  readTopic(topic: string, expected: number): Promise<ReadMessage[]>;
  cleanup(): Promise<void>;
};

export async function createOutboxFixture(label: string): Promise<OutboxFixture> {
  const db = await createTestDatabase(label);
  // An idle pooled connection the server ends (a test terminating backends, the final DROP ... FORCE)
  // must not crash the test process; the pool replaces it.
  db.pool.on('error', () => {});
  await applyOutboxSchema(db.pool);
  const testKafka = await createTestKafka(label);
  const clientOptions = {
    brokers: testKafka.brokers,
    logLevel: logLevel.NOTHING,
    // Reconnect quickly after a fault is lifted; the relay has its own (capped) backoff on top.
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 },
  };
  const kafka = new Kafka({ ...clientOptions, clientId: `${label}-direct` });
  const admin = kafka.admin();
  await admin.connect();
  return {
    db,
    testKafka,
    kafka,
    registry: new Registry(),
    kafkaVia: (socketFactory) => new Kafka({ ...clientOptions, clientId: `${label}-proxied`, socketFactory }),
    async messageCount(topic) {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
    },
    async readTopic(topic, expected) {
      // A short fetch wait keeps disconnect() quick (it waits for the fetch in flight).
      const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
      const seen: ReadMessage[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
          seen.push({ key: message.key?.toString(), value: String(message.value), headers });
        },
      });
      try {
        await waitUntil(() => seen.length >= expected, {
          timeoutMs: 120_000, // was 15 s; a consumer group's first join under load takes long
          message: `${expected} messages read`,
        });
      } finally {
        await consumer.disconnect();
      }
      return seen;
    },
    async cleanup() {
      await admin.disconnect();
      await testKafka.cleanup();
      await db.drop();
    },
  };
}

export async function inTransaction<T>(
  db: TestDatabase,
  work: (tx: import('pg').PoolClient) => Promise<T>,
): Promise<T> {
  const tx = await db.pool.connect();
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (error) {
    await tx.query('ROLLBACK');
    throw error;
  } finally {
    tx.release();
  }
}
