// The contrast the outbox exists for: a writer that dies between its commit and its Kafka publish.
// With a dual write the order is stored and its event is gone for good; with the outbox the event
// committed with the order, and the relay publishes it after the writer is dead.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { waitUntil } from '@lab/testkit';
import { dualWritePublisher } from '../src/demo.ts';
import { createOutboxRelay } from '../src/index.ts';
import { createOutboxFixture, type OutboxFixture } from './support.ts';

const run = promisify(execFile);
const writer = path.resolve(import.meta.dirname, 'fixtures/crash-after-commit.ts');
let fx: OutboxFixture;

before(async () => {
  fx = await createOutboxFixture('outbox_dual_write');
  await fx.db.pool.query('CREATE TABLE orders (id text PRIMARY KEY)');
});

after(() => fx.cleanup());

async function crashAfterCommit(
  mode: 'dual-write' | 'outbox',
  topic: string,
  orderId: string,
): Promise<void> {
  const env = {
    ...process.env,
    DATABASE_URL: fx.db.url,
    KAFKA_BROKERS: fx.testKafka.brokers.join(','),
    TOPIC: topic,
    ORDER_ID: orderId,
    MODE: mode,
  };
  await assert.rejects(run(process.execPath, [writer], { env }), { signal: 'SIGKILL' });
}

const orderExists = async (id: string) =>
  (await fx.db.pool.query('SELECT 1 FROM orders WHERE id = $1', [id])).rowCount === 1;

test('dual write: the writer dies after the commit, the order exists and its event is lost', async () => {
  const topic = await fx.testKafka.createTopic('order.created', 1);
  await crashAfterCommit('dual-write', topic, 'order-lost');
  assert.equal(await orderExists('order-lost'), true, 'the database write committed');
  assert.equal(await fx.messageCount(topic), 0, 'no event reached Kafka, and nothing will ever send it');

  // The same publisher without a crash does publish: the loss is the crash window, not a bug.
  const producer = fx.kafka.producer();
  await producer.connect();
  await dualWritePublisher({ pool: fx.db.pool, producer }).publish(
    async (tx) => {
      await tx.query("INSERT INTO orders (id) VALUES ('order-ok')");
    },
    { topic, aggregateType: 'order', aggregateId: 'order-ok', eventType: 'order.created', payload: {} },
  );
  await producer.disconnect();
  assert.equal(await fx.messageCount(topic), 1);
});

test('outbox: the writer dies after the commit at the same point, and the event is still published', async () => {
  const topic = await fx.testKafka.createTopic('order.created', 1);
  await crashAfterCommit('outbox', topic, 'order-kept');
  assert.equal(await orderExists('order-kept'), true);
  assert.equal(await fx.messageCount(topic), 0, 'not yet: the relay has not run');

  const relay = createOutboxRelay({ pool: fx.db.pool, kafka: fx.kafka, registry: fx.registry });
  relay.start();
  try {
    await waitUntil(async () => (await fx.messageCount(topic)) === 1, {
      message: 'the relay published the event',
    });
  } finally {
    await relay.stop();
  }
});
