// The lab's Kafka fault path, end to end: a KafkaJS client bootstrapped on the address the
// broker's LAB listener advertises (where Toxiproxy's `lab-kafka` listens) creates a topic,
// produces and consumes through the proxy; `lab:fault -- kafka cut` then takes Kafka away from it,
// and `restore` gives it back. Used by the lab integration test, which owns the running lab.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ensureTopics } from '@lab/kafka-topics';
import { uniqueName } from '@lab/testkit';
import { Kafka, logLevel } from 'kafkajs';

const ROOT = new URL('../../../', import.meta.url);

export function labFault(...args: string[]): string {
  const run = spawnSync(process.execPath, ['tooling/lab/src/fault-cli.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `lab:fault ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

export async function checkKafkaThroughProxy(proxied: string): Promise<void> {
  const topic = uniqueName('lab.proxy-check');
  await ensureTopics([proxied], [{ topic, partitions: 1 }]);
  const kafka = new Kafka({
    clientId: 'lab-proxy-check',
    brokers: [proxied],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: topic });
  try {
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'through the proxy' }] });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
    });
    assert.equal(await received, 'through the proxy');
    await consumer.stop();

    assert.match(labFault('kafka', 'cut'), /lab-kafka: cut/);
    await assert.rejects(
      producer.send({ topic, messages: [{ key: 'k', value: 'while cut' }] }),
      'no produce while the proxy is cut',
    );
    labFault('kafka', 'restore');
    // The producer reconnects on its own once the proxy accepts connections again.
    await producer.send({ topic, messages: [{ key: 'k', value: 'after restore' }] });
  } finally {
    labFault('kafka', 'restore');
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    const admin = new Kafka({ brokers: [proxied], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
}
