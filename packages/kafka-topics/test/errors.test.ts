// The error catalogue: guards recognise errors by code, so an error from another copy of the package
// (or a plain object from a worker) still matches, and a foreign code never does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isKafkaTopicsError,
  isTopicsNotReady,
  KAFKA_TOPICS_ERROR_CODES,
  KafkaTopicsError,
  TopicsNotReadyError,
} from '../src/index.ts';

describe('kafka-topics error catalogue', () => {
  it('gives every error a catalogue code; each guard takes only its own', () => {
    const notReady = new TopicsNotReadyError('kafka-topics: t did not succeed in time');
    const invalid = new KafkaTopicsError('TOPICS_INVALID_SPEC', 'topic a is listed twice');
    for (const error of [notReady, invalid]) {
      assert.ok(Object.hasOwn(KAFKA_TOPICS_ERROR_CODES, error.code));
      assert.ok(isKafkaTopicsError(error));
    }
    assert.equal(notReady.name, 'TopicsNotReadyError');
    assert.ok(isTopicsNotReady(notReady));
    assert.equal(isTopicsNotReady(invalid), false);
  });

  it('recognises a plain object from another copy of the package by its code', () => {
    const copy = {
      name: 'TopicsNotReadyError',
      message: 'waiting for t did not succeed',
      code: 'TOPICS_NOT_READY',
    };
    assert.ok(isTopicsNotReady(copy) && isKafkaTopicsError(copy));
  });

  it('refuses a foreign code, a missing message and non-objects', () => {
    assert.equal(
      isKafkaTopicsError({ name: 'KafkaJSError', message: 'x', code: 'UNKNOWN_TOPIC_OR_PARTITION' }),
      false,
    );
    assert.equal(isKafkaTopicsError({ name: 'Error', message: 'x', code: 'valueOf' }), false);
    assert.equal(isTopicsNotReady({ code: 'TOPICS_NOT_READY' }), false);
    for (const value of [null, undefined, 'TOPICS_NOT_READY', 0])
      assert.equal(isKafkaTopicsError(value), false);
  });
});
