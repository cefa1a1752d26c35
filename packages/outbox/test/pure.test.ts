import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka, KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { toItem } from '../src/consumed-event.ts';
import { deadLetterHeaders, dlqTopicFor, replayHeaders } from '../src/dlq.ts';
import { type ConsumeOptions, consume, createOutboxRelay, replayDlq } from '../src/index.ts';
import { advisoryLockKeys } from '../src/leadership.ts';

const message = {
  key: Buffer.from('agg-1'),
  value: Buffer.from('{}'),
  offset: '41',
  timestamp: '0',
  attributes: 0,
  headers: {
    'event-id': Buffer.from('e-1'),
    traceparent: 'tp',
    repeated: [Buffer.from('a'), Buffer.from('b')],
  },
} as unknown as KafkaMessage;

test('dead-letter headers keep the original headers and add the triage facts', () => {
  const headers = deadLetterHeaders(message, {
    error: new TypeError('boom'),
    attempts: 3,
    topic: 'post.created',
    partition: 2,
    groupId: 'feed',
  });
  assert.equal(headers['event-id'], 'e-1');
  assert.equal(headers.traceparent, 'tp');
  assert.equal(headers.repeated, 'a');
  assert.equal(headers['dlq-error'], 'boom');
  assert.equal(headers['dlq-error-type'], 'TypeError');
  assert.equal(headers['dlq-attempts'], '3');
  assert.equal(headers['dlq-original-topic'], 'post.created');
  assert.equal(headers['dlq-original-partition'], '2');
  assert.equal(headers['dlq-original-offset'], '41');
  assert.equal(headers['dlq-group'], 'feed');
  assert.ok(!Number.isNaN(Date.parse(headers['dlq-failed-at'] as string)));
});

test('a dead letter without an event-id keeps the identity the consumer gave it, for replays', () => {
  const bare = { ...message, headers: { traceparent: 'tp' } } as KafkaMessage;
  const cause = { error: new Error('x'), attempts: 1, topic: 't', partition: 3, groupId: 'g' };
  const headers = deadLetterHeaders(bare, cause);
  assert.equal(headers['event-id'], toItem(bare, 't', 3).event.eventId);
  assert.equal(replayHeaders(headers)['event-id'], 't:3:41', 'the replayed message carries it');
});

test('a thrown non-Error and a huge message still make valid headers', () => {
  assert.equal(
    deadLetterHeaders(message, { error: 'nope', attempts: 1, topic: 't', partition: 0, groupId: 'g' })[
      'dlq-error'
    ],
    'nope',
  );
  const long = deadLetterHeaders(message, {
    error: new Error('x'.repeat(10_000)),
    attempts: 1,
    topic: 't',
    partition: 0,
    groupId: 'g',
  });
  assert.equal(long['dlq-error']?.length, 2_000);
});

test('replay strips only the dlq-* headers; the DLQ of a topic is <topic>.dlq', () => {
  assert.deepEqual(replayHeaders({ 'event-id': 'e', 'dlq-error': 'x', 'dlq-attempts': '3' }), {
    'event-id': 'e',
  });
  assert.equal(dlqTopicFor('url.created'), 'url.created.dlq');
});

test('advisory lock keys are stable per name, differ between names, and match pg_locks halves', () => {
  const a = advisoryLockKeys('a');
  assert.deepEqual(advisoryLockKeys('a'), a);
  assert.notEqual(advisoryLockKeys('b').leader, a.leader);
  assert.notEqual(a.batches, a.leader);
  assert.match(a.leader, /^-?\d+$/);
  const unsigned = (BigInt(a.leaderHigh) << 32n) | BigInt(a.leaderLow);
  assert.equal(BigInt.asIntN(64, unsigned).toString(), a.leader);
  assert.ok(BigInt(a.leaderHigh) < 2n ** 32n && BigInt(a.leaderLow) < 2n ** 32n);
});

test('a Kafka message becomes a consumed event; a non-JSON value keeps its parse error', () => {
  const item = toItem(message, 'post.created', 2);
  assert.equal(item.event.eventId, 'e-1');
  assert.equal(item.event.key, 'agg-1');
  assert.deepEqual(item.event.payload, {});
  assert.equal(item.event.headers.repeated, 'a');
  assert.equal(item.event.attempt, 1);
  assert.equal(item.parseError, undefined);

  const bare = toItem(
    { ...message, headers: {}, key: null, value: Buffer.from('{oops') } as KafkaMessage,
    't',
    0,
  );
  assert.equal(bare.event.eventId, 't:0:41', 'no event-id header: topic, partition and offset identify it');
  assert.equal(bare.event.key, null);
  assert.ok(bare.parseError instanceof SyntaxError);
  assert.equal(toItem({ ...message, value: null }, 't', 0).event.payload, null, 'a tombstone is null');
});

test('relay, consumer and replay reject nonsensical options before touching Postgres or Kafka', async () => {
  const deps = { pool: {} as pg.Pool, kafka: {} as Kafka };
  const badRelay: [string, object][] = [
    ['batchSize 0', { batchSize: 0 }],
    ['batchSize negative', { batchSize: -1 }],
    ['batchSize fractional', { batchSize: 1.5 }],
    ['pollIntervalMs negative', { pollIntervalMs: -1 }],
    ['sendTimeoutMs NaN', { sendTimeoutMs: Number.NaN }],
    ['retentionMs infinite', { retentionMs: Number.POSITIVE_INFINITY }],
    ['leaderRetryMs a string', { leaderRetryMs: '1000' }],
    ['sendRetries fractional', { sendRetries: 0.5 }],
    ['backoff max below initial', { backoff: { initialMs: 100, maxMs: 10 } }],
    ['backoff initial 0', { backoff: { initialMs: 0, maxMs: 10 } }],
    ['empty name', { name: '' }],
    ['no pool', { pool: undefined }],
    ['pool too small for the pipeline', { pool: new pg.Pool({ max: 3 }) }],
    ['permanentErrors unknown', { permanentErrors: 'ignore' }],
    ['missingTopicGraceMs negative', { missingTopicGraceMs: -1 }],
    ['maxBatchBytes 0', { maxBatchBytes: 0 }],
  ];
  for (const [why, change] of badRelay) {
    assert.throws(() => createOutboxRelay({ ...deps, ...change }), { code: 'OUTBOX_INVALID_OPTIONS' }, why);
  }
  const base = { ...deps, topic: 't', groupId: 'g', handler: async () => {} };
  const badConsumer: [string, object][] = [
    ['maxAttempts 0', { maxAttempts: 0 }],
    ['messagesPerTransaction 0', { messagesPerTransaction: 0 }],
    ['partitionsConsumedConcurrently 0', { partitionsConsumedConcurrently: 0 }],
    ['topic with a space', { topic: 'a topic' }],
    ['empty groupId', { groupId: '' }],
    ['handler not a function', { handler: 'nope' }],
    ['retryBackoff NaN', { retryBackoff: { initialMs: Number.NaN, maxMs: 1 } }],
    ['no kafka', { kafka: undefined }],
    ['processedRetentionMs 0', { processedRetentionMs: 0 }],
    ['pruneIntervalMs NaN', { pruneIntervalMs: Number.NaN }],
  ];
  for (const [why, change] of badConsumer) {
    await assert.rejects(
      consume({ ...base, ...change } as ConsumeOptions),
      { code: 'OUTBOX_INVALID_OPTIONS' },
      why,
    );
  }
  for (const change of [{ topic: '' }, { groupId: '' }, { timeoutMs: -5 }]) {
    await assert.rejects(replayDlq({ kafka: deps.kafka, topic: 't', ...change }), {
      code: 'OUTBOX_INVALID_OPTIONS',
    });
  }
});
