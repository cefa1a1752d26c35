// Which errors the topic wait retries: the two a fresh broker answers for a just-created topic,
// connection hiccups, and wrappers of those; never a final error such as an invalid partition count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// kafkajs spreads its error classes into module.exports, which Node's CommonJS named-export
// detection cannot see: take them from the default export.
import kafkajs from 'kafkajs';
import { isTransient } from '../src/index.ts';

const {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} = kafkajs;

const protocol = (type: string) =>
  // KafkaJS builds its protocol errors from an entry of its error-code table (an Error with a type).
  new KafkaJSProtocolError(Object.assign(new Error(type), { type, code: 0, retriable: false }));

describe('isTransient', () => {
  it('retries UNKNOWN_TOPIC_OR_PARTITION and LEADER_NOT_AVAILABLE', () => {
    assert.equal(isTransient(protocol('UNKNOWN_TOPIC_OR_PARTITION')), true);
    assert.equal(isTransient(protocol('LEADER_NOT_AVAILABLE')), true);
  });

  it('does not retry final errors', () => {
    assert.equal(isTransient(protocol('INVALID_PARTITIONS')), false);
    assert.equal(isTransient(protocol('TOPIC_AUTHORIZATION_FAILED')), false);
    assert.equal(isTransient(new TypeError('bad spec')), false);
    assert.equal(isTransient(undefined), false);
  });

  it('retries a lost connection', () => {
    assert.equal(isTransient(new KafkaJSConnectionError('Connection refused')), true);
  });

  it("judges KafkaJS's retries-exceeded wrapper by the error it wraps", () => {
    const wrap = (cause: Error) =>
      new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 100 });
    assert.equal(isTransient(wrap(protocol('LEADER_NOT_AVAILABLE'))), true);
    assert.equal(isTransient(wrap(protocol('INVALID_REPLICATION_FACTOR'))), false);
  });

  it('retries an aggregate only when every part is transient', () => {
    const aggregate = (...errors: Error[]) => new KafkaJSAggregateError('several', errors);
    assert.equal(
      isTransient(aggregate(protocol('UNKNOWN_TOPIC_OR_PARTITION'), protocol('NOT_CONTROLLER'))),
      true,
    );
    assert.equal(
      isTransient(aggregate(protocol('UNKNOWN_TOPIC_OR_PARTITION'), protocol('POLICY_VIOLATION'))),
      false,
    );
  });
});
