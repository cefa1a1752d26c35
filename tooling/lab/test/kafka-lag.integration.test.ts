// The consumer-lag exporter against the real broker: a group of this test's own commits part of a
// topic, and /metrics reports the rest as lag; a group whose member has joined but committed
// nothing is reported at 0; groups outside the filter are not exported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureTopics } from '@lab/kafka-topics';
import { testDependencies, uniqueName } from '@lab/testkit';
import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import { startLagExporter } from '../src/kafka-lag-exporter.ts';

const SERVICE = 'lablagtest';
let brokers: string[];
let admin: Admin;
const topic = uniqueName('lab.lag');
const group = `${SERVICE}.${uniqueName('reader')}`;
const stranger = uniqueName('stranger');
const quietTopic = uniqueName('lab.lag_quiet');
const joined = `${SERVICE}-${uniqueName('joined')}`;
let member: Consumer;

describe('kafka-lag exporter', () => {
  before(async () => {
    ({ kafkaBrokers: brokers } = await testDependencies());
    await ensureTopics(brokers, [
      { topic, partitions: 1 },
      { topic: quietTopic, partitions: 1 },
    ]);
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
    // A live member of a group that has nothing to read, so it never commits.
    member = kafka.consumer({ groupId: joined });
    const hasJoined = new Promise((resolve) => member.on(member.events.GROUP_JOIN, resolve));
    await member.connect();
    await member.subscribe({ topic: quietTopic });
    await member.run({ eachMessage: async () => {} });
    await hasJoined;
  });

  after(async () => {
    await member?.disconnect();
    await admin.deleteGroups([group, stranger, joined]).catch(() => {});
    await admin.deleteTopics({ topics: [topic, quietTopic] }).catch(() => {});
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
      assert.match(
        text,
        new RegExp(
          `kafka_consumergroup_lag\\{consumergroup="${joined}",topic="${quietTopic}",partition="0"\\} 0\\n`,
        ),
      );
      assert.doesNotMatch(text, new RegExp(stranger));
    } finally {
      await exporter.close();
    }
  });
});
