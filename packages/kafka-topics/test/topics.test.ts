// Spec validation happens before any connection. The broker behaviour (create, wait, a fresh
// topic used at once) is proven against a real broker in packages/testkit/test/topics.integration.test.ts:
// it lives there because testkit depends on this package, and a test dependency back would be a cycle.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureTopics, isKafkaTopicsError, waitForTopics } from '../src/index.ts';

describe('ensureTopics / waitForTopics without a broker', () => {
  it('refuses a topic listed twice before connecting anywhere', async () => {
    await assert.rejects(
      ensureTopics(['127.0.0.1:1'], [{ topic: 'a' }, { topic: 'a', partitions: 1 }]),
      (error: unknown) =>
        isKafkaTopicsError(error) &&
        error.code === 'TOPICS_INVALID_SPEC' &&
        /a is listed twice/.test(error.message),
    );
  });

  it('returns at once for an empty list, without connecting', async () => {
    assert.deepEqual(await ensureTopics(['127.0.0.1:1'], []), []);
    await waitForTopics(['127.0.0.1:1'], []);
  });
});
