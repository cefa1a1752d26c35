// The bounded wait: it returns as soon as an attempt succeeds, asks again after "not yet" answers
// and transient errors, stops at once on a final error, and gives up with the last reason after
// the deadline. No assertion depends on how long anything takes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { isTopicsNotReady } from '../src/errors.ts';
import { NotReady, retryUntil } from '../src/retry-until.ts';

const { KafkaJSProtocolError } = kafkajs;

const unknownTopic = () =>
  new KafkaJSProtocolError(
    Object.assign(new Error('no such topic'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      code: 3,
      retriable: true,
    }),
  );

describe('retryUntil', () => {
  it('asks again after NotReady and transient errors, and returns the first success', async () => {
    const answers: Array<() => string | NotReady> = [
      () => new NotReady('electing'),
      () => {
        throw unknownTopic();
      },
      () => 'ready',
    ];
    let calls = 0;
    const result = await retryUntil(
      Date.now() + 60_000,
      'test',
      async () => answers[calls++]?.() ?? 'too many',
    );
    assert.equal(result, 'ready');
    assert.equal(calls, 3);
  });

  it('rethrows a final error at once', async () => {
    let calls = 0;
    await assert.rejects(
      retryUntil(Date.now() + 60_000, 'test', async () => {
        calls++;
        throw new RangeError('invalid partition count');
      }),
      RangeError,
    );
    assert.equal(calls, 1);
  });

  it('gives up after the deadline with the last reason and the last transient error as cause', async () => {
    const error = unknownTopic();
    await assert.rejects(
      retryUntil(Date.now() - 1, 'waiting for t', async () => {
        throw error;
      }),
      (thrown: unknown) =>
        isTopicsNotReady(thrown) &&
        thrown.message.includes('waiting for t') &&
        thrown.message.includes('UNKNOWN_TOPIC_OR_PARTITION') &&
        thrown.cause === error,
    );
    await assert.rejects(
      retryUntil(Date.now() - 1, 'waiting for u', async () => new NotReady('u (not in metadata)')),
      /waiting for u did not succeed in time; last: u \(not in metadata\)/,
    );
  });
});
