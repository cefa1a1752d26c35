// The relay's decisions about a failed send, as pure functions: which errors are the broker's
// final word on a row, when a missing topic counts as missing, and how a batch is cut to size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { createMissingTopicClock } from '../src/missing-topics.ts';
import { type OutboxMessageRow, recordBytes, splitForSend, toKafkaMessage } from '../src/outbox-message.ts';
import { brokerRefusal } from '../src/send-errors.ts';

// KafkaJS is CommonJS: its error classes are properties of the default export.
const { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;

function protocolError(type: string, code: number): InstanceType<typeof KafkaJSProtocolError> {
  return new KafkaJSProtocolError({ type, code, retriable: false, message: type } as never);
}

test('broker refusals are read through KafkaJS wrappers; everything else is transient', () => {
  assert.equal(brokerRefusal(protocolError('MESSAGE_TOO_LARGE', 10)), 'too-large');
  assert.equal(brokerRefusal(protocolError('RECORD_LIST_TOO_LARGE', 18)), 'too-large');
  assert.equal(brokerRefusal(protocolError('INVALID_RECORD', 87)), 'rejected');
  const missing = new KafkaJSNumberOfRetriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3), {
    retryCount: 2,
    retryTime: 100,
  });
  assert.equal(brokerRefusal(missing), 'unknown-topic', 'the cause of a retries-exceeded error counts');
  assert.equal(brokerRefusal(new Error('wrapped', { cause: missing })), 'unknown-topic');
  assert.equal(brokerRefusal(protocolError('NOT_LEADER_FOR_PARTITION', 6)), undefined);
  assert.equal(brokerRefusal(new Error('Connection error: ECONNREFUSED')), undefined);
  assert.equal(brokerRefusal('a string'), undefined);
});

test('a topic counts as missing only after it was seen absent for the whole grace period', () => {
  const clock = createMissingTopicClock(1_000);
  assert.equal(clock.observe('t', false, 10_000), 0, 'first sighting starts the clock');
  assert.equal(clock.observe('t', false, 10_600), 600);
  assert.equal(clock.isMissing('t', 10_600), false);
  assert.equal(clock.observe('t', false, 11_000), 1_000);
  assert.equal(clock.isMissing('t', 11_000), true);
  assert.equal(clock.observe('t', true, 11_100), 0, 'seen present: forgotten');
  assert.equal(clock.isMissing('t', 11_100), false);
  assert.equal(clock.observe('t', false, 11_200), 0, 'absent again: a new clock');
  // Sightings further apart than the grace period are not one continuous absence.
  assert.equal(clock.observe('u', false, 20_000), 0);
  assert.equal(clock.observe('u', false, 25_000), 0, 'the last sighting is too old to count');
  assert.equal(clock.isMissing('u', 25_000), false);
});

const row = (id: string, value: string, topic = 't'): OutboxMessageRow => ({
  id,
  event_id: '00000000-0000-4000-8000-000000000000',
  aggregate_type: 'a',
  aggregate_id: 'k',
  event_type: 'e',
  topic,
  payload: value,
  headers: {},
});

test('a batch is split so no send exceeds the byte limit; isolated rows go alone; order is kept', () => {
  const rows = ['1', '2', '3', '4', '5'].map((id) => row(id, 'x'.repeat(400)));
  const size = recordBytes(toKafkaMessage(rows[0] as OutboxMessageRow));
  assert.ok(size > 400 && size < 600, `a record is its value plus key, headers and overhead (${size})`);
  const ids = (chunks: OutboxMessageRow[][]) => chunks.map((chunk) => chunk.map((r) => r.id));
  assert.deepEqual(ids(splitForSend(rows, size * 2, new Set())), [['1', '2'], ['3', '4'], ['5']]);
  assert.deepEqual(ids(splitForSend(rows, size * 100, new Set())), [['1', '2', '3', '4', '5']]);
  assert.deepEqual(ids(splitForSend(rows, size * 100, new Set(['3']))), [['1', '2'], ['3'], ['4', '5']]);
  const huge = [row('1', 'x'), row('2', 'y'.repeat(5_000)), row('3', 'z')];
  assert.deepEqual(ids(splitForSend(huge, 1_000, new Set())), [['1'], ['2'], ['3']], 'a big row goes alone');
  assert.deepEqual(splitForSend([], 1_000, new Set()), []);
});
