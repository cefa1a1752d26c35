// The idempotent consumer against real Kafka and Postgres: effectively-once side effects under
// redelivery, trace context from the headers, retries, dead letters and the replay command.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { metricValue } from '@lab/metrics';
import { createFaultProxy, hostPortOf, throughProxy, waitUntil } from '@lab/testkit';
import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import pg from 'pg';
import {
  type ConsumedEvent,
  type ConsumeOptions,
  consume,
  createOutboxRelay,
  enqueueMany,
  type OutboxEvent,
  type OutboxRelay,
  type RunningConsumer,
  replayDlq,
} from '../src/index.ts';
import { createOutboxFixture, inTransaction, type OutboxFixture } from './support.ts';

// What a service with the OpenTelemetry SDK has: a context manager and the W3C propagator.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const run = promisify(execFile);
const cli = path.resolve(import.meta.dirname, '../src/cli/replay-dlq.ts');
let fx: OutboxFixture;
let relay: OutboxRelay;
const running: RunningConsumer[] = [];

before(async () => {
  fx = await createOutboxFixture('outbox_consumer');
  await fx.db.pool.query(
    'CREATE TABLE side_effects (group_id text, event_id text, aggregate_id text, n int, trace_id text)',
  );
  relay = createOutboxRelay({
    pool: fx.db.pool,
    kafka: fx.kafka,
    registry: fx.registry,
    pollIntervalMs: 100,
  });
  relay.start();
});

after(async () => {
  await Promise.all(running.map((consumer) => consumer.stop()));
  await relay.stop();
  await fx.cleanup();
});

function events(topic: string, aggregates: number, perAggregate: number, extra: object = {}): OutboxEvent[] {
  return Array.from({ length: aggregates * perAggregate }, (_, i) => ({
    topic,
    aggregateType: 'account',
    aggregateId: `acc-${i % aggregates}`,
    eventType: 'account.credited',
    payload: { n: Math.floor(i / aggregates), ...extra },
  }));
}

// The side effect deliberately has no unique constraint: a duplicate would show up as a second row.
async function recordSideEffect(event: ConsumedEvent, tx: pg.PoolClient, groupId: string): Promise<void> {
  await tx.query('INSERT INTO side_effects VALUES ($1, $2, $3, $4, $5)', [
    groupId,
    event.eventId,
    event.key,
    (event.payload as { n: number }).n,
    trace.getActiveSpan()?.spanContext().traceId ?? null,
  ]);
}

async function startConsumer(options: Omit<ConsumeOptions, 'kafka' | 'pool' | 'registry'>) {
  const consumer = await consume({
    kafka: fx.kafka,
    pool: fx.db.pool,
    registry: fx.registry,
    consumerConfig: { maxWaitTimeInMs: 100 },
    retryBackoff: { initialMs: 20, maxMs: 100 },
    ...options,
  });
  running.push(consumer);
  return consumer;
}

async function stopConsumer(consumer: RunningConsumer): Promise<void> {
  await consumer.stop();
  running.splice(running.indexOf(consumer), 1);
}

const sideEffects = async (groupId: string) =>
  (await fx.db.pool.query('SELECT count(*)::int AS n FROM side_effects WHERE group_id = $1', [groupId]))
    .rows[0].n as number;

const outcome = (groupId: string, name: string) =>
  metricValue(fx.registry, 'outbox_consumer_messages_total', { group: groupId, outcome: name });

test('offsets reset to the beginning: every event is redelivered, no side effect happens twice', async () => {
  const topic = await fx.testKafka.createTopic('account.credited', 3);
  const groupId = 'ledger';
  await inTransaction(fx.db, (tx) => enqueueMany(tx, events(topic, 5, 6)));
  const handler = (event: ConsumedEvent, tx: pg.PoolClient) => recordSideEffect(event, tx, groupId);

  const first = await startConsumer({ topic, groupId, handler });
  await waitUntil(async () => (await sideEffects(groupId)) === 30, { message: '30 events processed' });
  await stopConsumer(first);
  assert.equal(await outcome(groupId, 'processed'), 30);

  const admin = fx.kafka.admin();
  await admin.connect();
  await admin.resetOffsets({ groupId, topic, earliest: true });
  await admin.disconnect();

  const second = await startConsumer({ topic, groupId, handler });
  await waitUntil(async () => (await outcome(groupId, 'duplicate')) === 30, {
    message: '30 duplicates seen',
  });
  await stopConsumer(second);
  assert.equal(await sideEffects(groupId), 30, 'zero duplicate side effects');
  assert.equal(await outcome(groupId, 'processed'), 30);
  const { rows } = await fx.db.pool.query(
    'SELECT count(DISTINCT event_id)::int AS n FROM outbox_processed_events WHERE group_id = $1',
    [groupId],
  );
  assert.equal(rows[0].n, 30);
});

test('the handler runs in the trace context the writer had when it enqueued the event', async () => {
  const topic = await fx.testKafka.createTopic('account.traced', 1);
  const groupId = 'traced';
  const writer = {
    traceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    spanId: '1a2b3c4d5e6f7081',
    traceFlags: TraceFlags.SAMPLED,
  };
  await context.with(trace.setSpanContext(ROOT_CONTEXT, writer), () =>
    inTransaction(fx.db, (tx) => enqueueMany(tx, events(topic, 1, 1))),
  );
  const stored = await fx.db.pool.query("SELECT headers->>'traceparent' AS tp FROM outbox WHERE topic = $1", [
    topic,
  ]);
  assert.equal(stored.rows[0].tp, `00-${writer.traceId}-${writer.spanId}-01`);

  const consumer = await startConsumer({
    topic,
    groupId,
    handler: (event, tx) => recordSideEffect(event, tx, groupId),
  });
  await waitUntil(async () => (await sideEffects(groupId)) === 1, { message: 'traced event processed' });
  await stopConsumer(consumer);
  const { rows } = await fx.db.pool.query('SELECT trace_id FROM side_effects WHERE group_id = $1', [groupId]);
  assert.equal(rows[0].trace_id, writer.traceId);
});

test('a poison message is retried, dead-lettered after N attempts, and processed after a fix and replay', async () => {
  const topic = await fx.testKafka.createTopic('account.poisoned', 1);
  const groupId = 'poisoned';
  let fixed = false;
  const attempts: number[] = [];
  const consumer = await startConsumer({
    topic,
    groupId,
    maxAttempts: 3,
    handler: async (event, tx) => {
      if ((event.payload as { poison?: boolean }).poison && !fixed) {
        attempts.push(event.attempt);
        throw new RangeError('cannot credit a negative amount');
      }
      await recordSideEffect(event, tx, groupId);
    },
  });
  // One aggregate: a good event, the poison one, another good one (same partition, in this order).
  const sequence = [...events(topic, 1, 1), ...events(topic, 1, 1, { poison: true }), ...events(topic, 1, 1)];
  await inTransaction(fx.db, (tx) => enqueueMany(tx, sequence));
  await waitUntil(async () => (await sideEffects(groupId)) === 2, {
    message: 'the events around the poison message are processed',
  });
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.equal(await outcome(groupId, 'failed'), 3);
  assert.equal(await outcome(groupId, 'dead_lettered'), 1);
  assert.equal(await fx.messageCount(`${topic}.dlq`), 1);

  const [dead] = await fx.readTopic(`${topic}.dlq`, 1);
  assert.equal(dead?.headers['dlq-error'], 'cannot credit a negative amount');
  assert.equal(dead?.headers['dlq-error-type'], 'RangeError');
  assert.equal(dead?.headers['dlq-attempts'], '3');
  assert.equal(dead?.headers['dlq-original-topic'], topic);
  assert.equal(dead?.headers['dlq-original-partition'], '0');
  assert.equal(dead?.headers['dlq-original-offset'], '1');
  assert.ok(dead?.headers['event-id'], 'the event id travels with the dead letter');

  fixed = true;
  const env = { ...process.env, KAFKA_BROKERS: fx.testKafka.brokers.join(',') };
  const replay = await run(process.execPath, [cli, topic], { env });
  assert.equal(JSON.parse(replay.stdout).replayed, 1);
  await waitUntil(async () => (await sideEffects(groupId)) === 3, {
    message: 'the replayed event is processed',
  });
  const again = await run(process.execPath, [cli, topic], { env });
  assert.equal(JSON.parse(again.stdout).replayed, 0, 'a second replay finds nothing new');
  const clean = await fx.testKafka.createTopic('account.clean', 1);
  assert.deepEqual(await replayDlq({ kafka: fx.kafka, topic: clean }), {
    replayed: 0,
    dlqTopic: `${clean}.dlq`,
  });
  await stopConsumer(consumer);
});

test('a handler that swallows a failed statement is a failure, not a silently lost event', async () => {
  const topic = await fx.testKafka.createTopic('account.swallowed', 1);
  const groupId = 'swallowed';
  const consumer = await startConsumer({
    topic,
    groupId,
    maxAttempts: 2,
    handler: async (event, tx) => {
      await recordSideEffect(event, tx, groupId);
      if ((event.payload as { poison?: boolean }).poison) {
        // The statement fails and the error is caught: the transaction is aborted, and its COMMIT
        // would quietly roll back the side effect and the processed-event row.
        await tx.query('SELECT 1 FROM no_such_table').catch(() => {});
      }
    },
  });
  const sequence = [...events(topic, 1, 1, { poison: true }), ...events(topic, 1, 1)];
  await inTransaction(fx.db, (tx) => enqueueMany(tx, sequence));
  await waitUntil(async () => (await outcome(groupId, 'dead_lettered')) === 1, {
    message: 'the swallowed failure is retried and dead-lettered',
  });
  await waitUntil(async () => (await sideEffects(groupId)) === 1, { message: 'the next event is processed' });
  await stopConsumer(consumer);
  assert.equal(await outcome(groupId, 'processed'), 1, 'only the healthy event counts as processed');
  const [dead] = await fx.readTopic(`${topic}.dlq`, 1);
  assert.equal(dead?.headers['dlq-error-type'], 'TransactionAbortedError');
  const { rows } = await fx.db.pool.query(
    'SELECT count(*)::int AS n FROM outbox_processed_events WHERE group_id = $1',
    [groupId],
  );
  assert.equal(rows[0].n, 1, 'the dead-lettered event is not recorded as processed');
});

test('a value that is not JSON goes to the DLQ at once: retrying cannot fix it', async () => {
  const topic = await fx.testKafka.createTopic('account.garbage', 1);
  const groupId = 'garbage';
  const consumer = await startConsumer({ topic, groupId, maxAttempts: 5, handler: async () => {} });
  const producer = fx.kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [{ key: 'k', value: 'not json {', headers: { 'event-id': 'garbage-1' } }],
  });
  await producer.disconnect();
  await waitUntil(async () => (await outcome(groupId, 'dead_lettered')) === 1, { message: 'dead-lettered' });
  assert.equal(await outcome(groupId, 'failed'), 1);
  assert.equal((await fx.readTopic(`${topic}.dlq`, 1))[0]?.headers['dlq-attempts'], '1');
  await stopConsumer(consumer);
});

test('the same event twice in one fetched batch runs its handler once', async () => {
  const topic = await fx.testKafka.createTopic('account.doubled', 1);
  const groupId = 'doubled';
  const producer = fx.kafka.producer();
  await producer.connect();
  const message = { key: 'acc-1', value: JSON.stringify({ n: 7 }), headers: { 'event-id': 'doubled-1' } };
  await producer.send({
    topic,
    messages: [message, message, { ...message, headers: { 'event-id': 'doubled-2' } }],
  });
  await producer.disconnect();
  const consumer = await startConsumer({
    topic,
    groupId,
    handler: (event, tx) => recordSideEffect(event, tx, groupId),
  });
  await waitUntil(
    async () => (await outcome(groupId, 'processed')) + (await outcome(groupId, 'duplicate')) === 3,
    {
      message: 'three messages seen',
    },
  );
  await stopConsumer(consumer);
  assert.equal(await outcome(groupId, 'processed'), 2);
  assert.equal(await outcome(groupId, 'duplicate'), 1);
  assert.equal(await sideEffects(groupId), 2);
});

test('Postgres unreachable: the consumer waits and retries, it never dead-letters for that', async () => {
  const topic = await fx.testKafka.createTopic('account.dbdown', 1);
  const groupId = 'dbdown';
  const proxy = await createFaultProxy('outbox_consumer_pg', hostPortOf(fx.db.url));
  const pool = new pg.Pool({ connectionString: throughProxy(fx.db.url, proxy), max: 2 });
  pool.on('error', () => {});
  const errors: unknown[] = [];
  try {
    await proxy.cut();
    const consumer = await consume({
      kafka: fx.kafka,
      pool,
      topic,
      groupId,
      registry: fx.registry,
      maxAttempts: 2,
      consumerConfig: { maxWaitTimeInMs: 100 },
      retryBackoff: { initialMs: 20, maxMs: 100 },
      onError: (error) => errors.push(error),
      handler: (event, tx) => recordSideEffect(event, tx, groupId),
    });
    running.push(consumer);
    await inTransaction(fx.db, (tx) => enqueueMany(tx, events(topic, 2, 1)));
    await waitUntil(() => errors.length >= 4, { message: 'several failed attempts while Postgres is away' });
    assert.equal(await outcome(groupId, 'failed'), 0, 'not counted as handler failures');
    assert.equal(await outcome(groupId, 'dead_lettered'), 0);

    await proxy.restore();
    await waitUntil(async () => (await sideEffects(groupId)) === 2, {
      message: 'processed once Postgres is back',
    });
    await stopConsumer(consumer);
    assert.equal(await fx.messageCount(`${topic}.dlq`), 0);
  } finally {
    await pool.end();
    await proxy.remove();
  }
});

test('the replay command rejects bad usage', async () => {
  for (const args of [[], ['a', 'b'], ['a', '--timeout-ms', 'soon'], ['a', '--bogus'], ['not a topic']]) {
    await assert.rejects(
      run(process.execPath, [cli, ...args], { env: { ...process.env, KAFKA_BROKERS: 'x:1' } }),
      {
        code: 2,
      },
    );
  }
  await assert.rejects(run(process.execPath, [cli, 'a'], { env: { ...process.env, KAFKA_BROKERS: '' } }), {
    code: 2,
  });
});

test('the consumer prunes its own processed-event records past their retention, nobody else’s', async () => {
  const topic = await fx.testKafka.createTopic('account.pruned', 1);
  const groupId = 'pruned';
  // Old and recent records of this group, and an old one of another group (its own retention).
  await fx.db.pool.query(
    `INSERT INTO outbox_processed_events (group_id, event_id, topic, "partition", "offset", processed_at)
     VALUES ($1, 'old-1', $2, 0, 1, now() - interval '10 days'),
            ($1, 'old-2', $2, 0, 2, now() - interval '3 days'),
            ($1, 'recent', $2, 0, 3, now() - interval '1 hour'),
            ('other-group', 'old-3', $2, 0, 1, now() - interval '10 days')`,
    [groupId, topic],
  );
  const consumer = await startConsumer({
    topic,
    groupId,
    processedRetentionMs: 2 * 24 * 60 * 60 * 1_000,
    pruneIntervalMs: 50,
    handler: async () => {},
  });
  const left = async () =>
    (
      await fx.db.pool.query<{ event_id: string }>(
        "SELECT event_id FROM outbox_processed_events WHERE event_id IN ('old-1', 'old-2', 'recent', 'old-3') ORDER BY event_id",
      )
    ).rows.map((row) => row.event_id);
  await waitUntil(async () => (await left()).length === 2, {
    message: 'the old records of the group pruned',
  });
  assert.deepEqual(await left(), ['old-3', 'recent']);
  await stopConsumer(consumer);
});
