// The consumer-lag exporter against the real broker: a group of this test's own commits part of a
// topic, and /metrics reports the rest as lag; groups outside the filter are not exported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureTopics } from '@lab/kafka-topics';
import { testDependencies, uniqueName } from '@lab/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { startLagExporter } from '../src/kafka-lag-exporter.ts';

const SERVICE = 'lablagtest';
let brokers: string[];
let admin: Admin;
const topic = uniqueName('lab.lag');
const group = `${SERVICE}.${uniqueName('reader')}`;
const stranger = uniqueName('stranger');

describe('kafka-lag exporter', () => {
  before(async () => {
    ({ kafkaBrokers: brokers } = await testDependencies());
    await ensureTopics(brokers, [{ topic, partitions: 1 }]);
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: String(i) })) });
    await producer.disconnect();
    admin = kafka.admin();
    await admin.connect();
    // A group with no members may commit any offset: as if it had read messages 0 and 1.
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '2' }] });
    await admin.setOffsets({ groupId: stranger, topic, partitions: [{ partition: 0, offset: '1' }] });
  });

  after(async () => {
    await admin.deleteGroups([group, stranger]).catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('reports log end minus committed offset for lab groups only', async () => {
    const exporter = await startLagExporter({ brokers, port: 0, services: [SERVICE] });
    try {
      const text = await (await fetch(`http://127.0.0.1:${exporter.port}/metrics`)).text();
      assert.match(
        text,
        new RegExp(
          `kafka_consumergroup_lag\\{consumergroup="${group}",topic="${topic}",partition="0"\\} 3\\n`,
        ),
      );
      assert.doesNotMatch(text, new RegExp(stranger));
    } finally {
      await exporter.close();
    }
  });
});
