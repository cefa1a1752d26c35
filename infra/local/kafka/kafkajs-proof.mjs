// Re-runnable proof that the pinned broker (kafka/pom.xml) works with the repo's Kafka client,
// KafkaJS 2.2.4. Run it after any version bump, against a running stack:
//   bash infra/local/stack.sh up && node infra/local/kafka/kafkajs-proof.mjs [host:port,...]
// It covers what the services use: admin createTopics/fetchTopicMetadata, an idempotent producer
// with acks=all, a consumer group with manual offset commits, a rejoin that resumes from the
// committed offsets, the admin calls a lag metric needs, and a transactional producer.
// Exit 0 and "PASS" on success; "FAIL <error>" and exit 1 otherwise.
import { Kafka, logLevel } from 'kafkajs';

// Brokers from the first argument (not the environment: turbo's lint tracks env vars per task).
const brokers = (process.argv[2] ?? '127.0.0.1:9092').split(',');
// NOTHING (not ERROR): the first run on a fresh broker logs retried "coordinator loading" errors.
const kafka = new Kafka({ clientId: 'kafkajs-proof', brokers, logLevel: logLevel.NOTHING });
const run = Date.now();
const topic = `proof.kafkajs.${run}`;
const groupId = `proof-kafkajs-${run}`;
const N = 30;
const ok = (what) => console.log(`ok   ${what}`);
const check = (cond, what) => {
  if (!cond) throw new Error(what);
};
const deadline = setTimeout(() => {
  console.error('FAIL timeout after 90s');
  process.exit(1);
}, 90_000);

// Consume `want` messages in the proof's group, committing each offset by hand.
async function consumeInGroup(want) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = [];
  await new Promise((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          got.push(Number(message.value.toString()));
          const next = (BigInt(message.offset) + 1n).toString();
          await consumer.commitOffsets([{ topic, partition, offset: next }]);
          if (got.length >= want) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return got;
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  check(
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    }),
    'createTopics returned false',
  );
  ok('admin.createTopics');
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  check(meta.topics[0].partitions.length === 3, `metadata: ${JSON.stringify(meta)}`);
  ok('admin.fetchTopicMetadata (3 partitions)');

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < N; i++) {
    const message = { key: `k${i % 5}`, value: String(i), headers: { 'event-id': `e${i}` } };
    await producer.send({ topic, acks: -1, messages: [message] });
  }
  ok(`idempotent producer, acks=all (${N} messages)`);

  const got = await consumeInGroup(N);
  check(new Set(got).size === N, `consumed ${got.length} of ${N}`);
  ok(`consumer group consumed ${got.length}`);
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  check(committed === N, `committed offsets sum to ${committed}`);
  ok(`offset commit (committed offsets sum to ${committed})`);

  const ends = await admin.fetchTopicOffsets(topic);
  check(ends.reduce((sum, p) => sum + Number(p.high), 0) === N, 'high watermarks');
  const described = await admin.describeGroups([groupId]);
  check(described.groups[0].protocolType === 'consumer', 'describeGroups');
  const listed = await admin.listGroups();
  check(
    listed.groups.some((g) => g.groupId === groupId),
    'listGroups',
  );
  ok('admin.fetchTopicOffsets / describeGroups / listGroups');

  await producer.send({ topic, acks: -1, messages: [{ key: 'k0', value: String(N) }] });
  const again = await consumeInGroup(1);
  check(again.length === 1 && again[0] === N, `rejoin read ${JSON.stringify(again)}`);
  ok('group rejoin resumes from the committed offsets');

  const txProducer = kafka.producer({
    transactionalId: `proof-tx-${run}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await txProducer.connect();
  const tx = await txProducer.transaction();
  await tx.send({ topic, messages: [{ key: 'k1', value: 'tx' }] });
  await tx.commit();
  await txProducer.disconnect();
  ok('transactional producer');

  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  ok('admin.deleteTopics');
}

main().then(
  () => {
    clearTimeout(deadline);
    console.log(`PASS kafkajs against ${brokers.join(',')}`);
  },
  (error) => {
    console.error(`FAIL ${error.name}: ${error.message}`);
    process.exit(1);
  },
);
